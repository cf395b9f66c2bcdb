package dev.tandem.identity;

import dev.tandem.http.ApiException;
import dev.tandem.http.Ids;
import dev.tandem.http.JsonInput;
import dev.tandem.http.Responses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** Wiring for patients, care teams and the staff directory. */
public final class PatientRoutes {
  private final CareTeamService careTeams;
  private final IdentityService identity;
  private final IdentityRoutes identityRoutes;
  private final Auth auth;

  record PatientInvite(String email, String name, String language) {
  }

  record TeamChange(String prescriberId, String therapistId, String navigatorId) {
  }

  public PatientRoutes(CareTeamService careTeams, IdentityService identity, IdentityRoutes identityRoutes, Auth auth) {
    this.careTeams = careTeams;
    this.identity = identity;
    this.identityRoutes = identityRoutes;
    this.auth = auth;
  }

  public void mount(Router r) {
    r.get("/api/v1/patients").handler(auth.required()).handler(this::list);
    r.post("/api/v1/patients").handler(auth.required()).handler(auth.clinician()).handler(this::invite);
    r.get("/api/v1/patients/:patientId").handler(auth.required()).handler(this::show);
    r.get("/api/v1/patients/:patientId/care-team").handler(auth.required()).handler(this::showTeam);
    r.put("/api/v1/patients/:patientId/care-team").handler(auth.required()).handler(auth.admin()).handler(this::setTeam);
    r.get("/api/v1/staff").handler(auth.required()).handler(auth.staff()).handler(this::staff);
  }

  private void list(RoutingContext ctx) {
    careTeams.listPatients(Auth.caller(ctx))
        .onSuccess(rows -> Responses.json(ctx, 200, new JsonObject().put("patients", new JsonArray(rows))))
        .onFailure(ctx::fail);
  }

  static PatientInvite patientInvite(RoutingContext ctx) {
    JsonInput in = JsonInput.of(ctx, "email", "name", "preferredLanguage");
    String lang = in.optionalString("preferredLanguage", 5);
    if (lang != null && !List.of("en", "es").contains(lang)) {
      throw ApiException.invalid("preferredLanguage", "must be \"en\" or \"es\"");
    }
    return new PatientInvite(in.email("email"), in.string("name", 120).trim(), lang);
  }

  private void invite(RoutingContext ctx) {
    PatientInvite req = patientInvite(ctx);
    careTeams.invitePatient(Auth.caller(ctx), req.email(), req.name(), req.language())
        .onSuccess(inv -> Responses.json(ctx, 201, new JsonObject().put("patient", inv.user().toJson())
            .put("invitation", new JsonObject().put("link", identityRoutes.invitationLink(inv.token()))
                .put("expiresAt", inv.expiresAt().toString()))))
        .onFailure(ctx::fail);
  }

  private void show(RoutingContext ctx) {
    String id = Ids.pathId(ctx, "patientId", "patient");
    careTeams.patientRecord(Auth.caller(ctx), id)
        .onSuccess(p -> Responses.json(ctx, 200, new JsonObject().put("patient", p))).onFailure(ctx::fail);
  }

  private void showTeam(RoutingContext ctx) {
    String id = Ids.pathId(ctx, "patientId", "patient");
    careTeams.careTeam(Auth.caller(ctx), id)
        .onSuccess(t -> Responses.json(ctx, 200, new JsonObject().put("careTeam", t))).onFailure(ctx::fail);
  }

  static TeamChange teamChange(RoutingContext ctx) {
    JsonInput in = JsonInput.of(ctx, "prescriberId", "therapistId", "navigatorId");
    return new TeamChange(in.optionalId("prescriberId"), in.optionalId("therapistId"), in.optionalId("navigatorId"));
  }

  private void setTeam(RoutingContext ctx) {
    String id = Ids.pathId(ctx, "patientId", "patient");
    TeamChange req = teamChange(ctx);
    careTeams.setTeam(Auth.caller(ctx), id, req.prescriberId(), req.therapistId(), req.navigatorId())
        .onSuccess(t -> Responses.json(ctx, 200, new JsonObject().put("careTeam", t))).onFailure(ctx::fail);
  }

  private void staff(RoutingContext ctx) {
    identity.usersByRole(List.of(Role.PRESCRIBER, Role.THERAPIST, Role.NAVIGATOR)).onSuccess(list -> {
      JsonArray arr = new JsonArray();
      list.stream().filter(u -> u.status() == User.Status.ACTIVE).forEach(u -> arr.add(u.toMember()));
      Responses.json(ctx, 200, new JsonObject().put("staff", arr));
    }).onFailure(ctx::fail);
  }
}
