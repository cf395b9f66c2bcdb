package dev.tandem.identity;

import dev.tandem.audit.AuditEntry;
import dev.tandem.audit.AuditLog;
import dev.tandem.http.ApiException;
import dev.tandem.http.Ids;
import dev.tandem.http.JsonInput;
import dev.tandem.http.Responses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** Admin wiring: accounts, care teams overview and the audit log. Admins never see clinical content. */
public final class AdminRoutes {
  private final IdentityService identity;
  private final CareTeamService careTeams;
  private final IdentityRoutes identityRoutes;
  private final AuditLog audit;
  private final Auth auth;

  record StaffInvite(String email, String name, Role role) {
  }

  record UserChange(User.Status status, String name) {
  }

  public AdminRoutes(IdentityService identity, CareTeamService careTeams, IdentityRoutes identityRoutes, AuditLog audit,
      Auth auth) {
    this.identity = identity;
    this.careTeams = careTeams;
    this.identityRoutes = identityRoutes;
    this.audit = audit;
    this.auth = auth;
  }

  public void mount(Router r) {
    r.get("/api/v1/admin/users").handler(auth.required()).handler(auth.admin()).handler(this::users);
    r.post("/api/v1/admin/users").handler(auth.required()).handler(auth.admin()).handler(this::createStaff);
    r.patch("/api/v1/admin/users/:userId").handler(auth.required()).handler(auth.admin()).handler(this::updateUser);
    r.get("/api/v1/admin/care-teams").handler(auth.required()).handler(auth.admin()).handler(this::careTeams);
    r.get("/api/v1/admin/audit").handler(auth.required()).handler(auth.admin()).handler(this::auditEntries);
    r.get("/api/v1/admin/audit/verify").handler(auth.required()).handler(auth.admin()).handler(this::verifyAudit);
  }

  private void users(RoutingContext ctx) {
    identity.allUsers().onSuccess(list -> {
      JsonArray arr = new JsonArray();
      list.forEach(u -> arr.add(u.toJson()));
      Responses.json(ctx, 200, new JsonObject().put("users", arr));
    }).onFailure(ctx::fail);
  }

  static StaffInvite staffInvite(RoutingContext ctx) {
    JsonInput in = JsonInput.of(ctx, "email", "name", "role");
    Role role = in.enumValue("role", Role.class);
    if (role == Role.PATIENT) {
      throw ApiException.invalid("role", "staff accounts are prescriber, therapist, navigator or admin; clinicians invite patients");
    }
    return new StaffInvite(in.email("email"), in.string("name", 120).trim(), role);
  }

  private void createStaff(RoutingContext ctx) {
    StaffInvite req = staffInvite(ctx);
    identity.invite(Auth.caller(ctx), req.email(), req.name(), req.role(), "en")
        .onSuccess(inv -> Responses.json(ctx, 201, new JsonObject().put("user", inv.user().toJson())
            .put("invitation", new JsonObject().put("link", identityRoutes.invitationLink(inv.token()))
                .put("expiresAt", inv.expiresAt().toString()))))
        .onFailure(ctx::fail);
  }

  static UserChange userChange(RoutingContext ctx) {
    JsonInput in = JsonInput.of(ctx, "status", "name");
    User.Status status = null;
    if (in.has("status")) {
      status = in.enumValue("status", User.Status.class);
      if (status == User.Status.INVITED) {
        throw ApiException.invalid("status", "must be \"active\" or \"disabled\"");
      }
    }
    String name = in.optionalString("name", 120);
    if (name != null && name.isBlank()) {
      throw ApiException.invalid("name", "must not be empty");
    }
    if (status == null && name == null) {
      throw ApiException.badRequest("nothing_to_change", "Send a status or a name.");
    }
    return new UserChange(status, name == null ? null : name.trim());
  }

  private void updateUser(RoutingContext ctx) {
    String id = Ids.pathId(ctx, "userId", "user");
    UserChange req = userChange(ctx);
    identity.updateUser(Auth.caller(ctx), id, req.status(), req.name())
        .onSuccess(u -> Responses.json(ctx, 200, new JsonObject().put("user", u.toJson()))).onFailure(ctx::fail);
  }

  private void careTeams(RoutingContext ctx) {
    careTeams.allTeams(Auth.caller(ctx))
        .onSuccess(list -> Responses.json(ctx, 200, new JsonObject().put("careTeams", new JsonArray(list))))
        .onFailure(ctx::fail);
  }

  private static int queryInt(RoutingContext ctx, String name, int dflt, int min, int max) {
    String v = ctx.queryParams().get(name);
    if (v == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v);
      if (n < min || n > max) {
        throw ApiException.invalid(name, "must be between " + min + " and " + max);
      }
      return n;
    } catch (NumberFormatException e) {
      throw ApiException.invalid(name, "must be a whole number");
    }
  }

  private void auditEntries(RoutingContext ctx) {
    int limit = queryInt(ctx, "limit", 50, 1, 500);
    Long before = null;
    if (ctx.queryParams().contains("before")) {
      try {
        before = Long.parseLong(ctx.queryParams().get("before"));
      } catch (NumberFormatException e) {
        throw ApiException.invalid("before", "must be a whole number");
      }
      if (before < 1) {
        throw ApiException.invalid("before", "must be at least 1");
      }
    }
    audit.latest(limit, before).onSuccess(list -> {
      JsonArray arr = new JsonArray();
      list.stream().map(AuditEntry::toJson).forEach(arr::add);
      Responses.json(ctx, 200, new JsonObject().put("entries", arr));
    }).onFailure(ctx::fail);
  }

  private void verifyAudit(RoutingContext ctx) {
    Caller c = Auth.caller(ctx);
    audit.verify().compose(res -> audit.record(IdentityService.event("audit.verify", c)
        .with("ok", Boolean.toString(res.ok())).with("checked", Long.toString(res.checked()))).map(v -> res))
        .onSuccess(res -> Responses.json(ctx, 200, res.toJson())).onFailure(ctx::fail);
  }

}
