package dev.tandem.identity;

import dev.tandem.http.ApiException;
import dev.tandem.http.Ids;
import dev.tandem.http.JsonInput;
import dev.tandem.http.Responses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** Wiring for login, sessions, passwords and invitations. */
public final class IdentityRoutes {
  private final IdentityService identity;
  private final Auth auth;
  private volatile String publicUrl;

  record LoginRequest(String email, String password, boolean app) {
  }

  record PasswordChange(String current, String next) {
  }

  public IdentityRoutes(IdentityService identity, Auth auth, String publicUrl) {
    this.identity = identity;
    this.auth = auth;
    this.publicUrl = publicUrl;
  }

  public void mount(Router r) {
    r.post("/api/v1/auth/login").handler(this::login);
    r.post("/api/v1/auth/logout").handler(auth.required()).handler(this::logout);
    r.get("/api/v1/me").handler(auth.required()).handler(this::me);
    r.put("/api/v1/me/password").handler(auth.required()).handler(this::changePassword);
    r.get("/api/v1/me/sessions").handler(auth.required()).handler(this::listSessions);
    r.delete("/api/v1/me/sessions/:sessionId").handler(auth.required()).handler(this::revokeSession);
    r.get("/api/v1/invitations/:token").handler(this::showInvitation);
    r.post("/api/v1/invitations/:token/accept").handler(this::acceptInvitation);
  }

  /** Set once the server knows its port, when no http.public-url is configured. */
  public void setPublicUrl(String url) {
    this.publicUrl = url;
  }

  public String invitationLink(String token) {
    return publicUrl + "/invite.html?token=" + token;
  }

  private static LoginRequest loginRequest(RoutingContext ctx) {
    JsonInput in = JsonInput.of(ctx, "email", "password", "client");
    String client = in.optionalString("client", 10);
    if (client != null && !client.equals("app") && !client.equals("browser")) {
      throw ApiException.invalid("client", "must be \"app\" or \"browser\"");
    }
    return new LoginRequest(in.email("email"), in.string("password", 1024), "app".equals(client));
  }

  private void login(RoutingContext ctx) {
    LoginRequest req = loginRequest(ctx);
    identity.login(req.email(), req.password(), Auth.clientIp(ctx), ctx.request().getHeader("User-Agent"))
        .onSuccess(res -> {
          auth.setCookie(ctx, res.token());
          Responses.json(ctx, 200, loginBody(res, req.app()));
        }).onFailure(ctx::fail);
  }

  private JsonObject loginBody(IdentityService.LoginResult res, boolean includeToken) {
    JsonObject body = new JsonObject().put("user", res.user().toJson())
        .put("session", res.session().toJson(identity.idleTimeout(), res.session().id()));
    if (includeToken) {
      body.put("token", res.token());
    }
    return body;
  }

  private void logout(RoutingContext ctx) {
    identity.logout(Auth.caller(ctx), Auth.sessionToken(ctx)).onSuccess(v -> {
      auth.clearCookie(ctx);
      Responses.noContent(ctx);
    }).onFailure(ctx::fail);
  }

  private void me(RoutingContext ctx) {
    identity.me(Auth.caller(ctx)).onSuccess(u -> Responses.json(ctx, 200, new JsonObject().put("user", u.toJson())))
        .onFailure(ctx::fail);
  }

  private static PasswordChange passwordChange(RoutingContext ctx) {
    JsonInput in = JsonInput.of(ctx, "currentPassword", "newPassword");
    return new PasswordChange(in.string("currentPassword", 1024), in.string("newPassword", 1024));
  }

  private void changePassword(RoutingContext ctx) {
    PasswordChange req = passwordChange(ctx);
    identity.changePassword(Auth.caller(ctx), req.current(), req.next()).onSuccess(v -> Responses.noContent(ctx))
        .onFailure(ctx::fail);
  }

  private void listSessions(RoutingContext ctx) {
    Caller c = Auth.caller(ctx);
    identity.sessions(c).onSuccess(list -> {
      JsonArray arr = new JsonArray();
      list.forEach(s -> arr.add(s.toJson(identity.idleTimeout(), c.sessionId())));
      Responses.json(ctx, 200, new JsonObject().put("sessions", arr));
    }).onFailure(ctx::fail);
  }

  private void revokeSession(RoutingContext ctx) {
    String id = Ids.pathId(ctx, "sessionId", "session");
    identity.revokeSession(Auth.caller(ctx), id).onSuccess(v -> Responses.noContent(ctx)).onFailure(ctx::fail);
  }

  private static String invitationToken(RoutingContext ctx) {
    String t = ctx.pathParam("token");
    if (t == null || !t.matches("[A-Za-z0-9_-]{20,100}")) {
      throw ApiException.notFound("invitation");
    }
    return t;
  }

  private void showInvitation(RoutingContext ctx) {
    String token = invitationToken(ctx);
    identity.invitation(token).compose(u -> identity.invitationExpiry(token).map(exp -> new JsonObject()
        .put("email", u.email()).put("name", u.name()).put("role", u.role().wire())
        .put("expiresAt", exp == null ? null : exp.toString())))
        .onSuccess(inv -> Responses.json(ctx, 200, new JsonObject().put("invitation", inv))).onFailure(ctx::fail);
  }

  private void acceptInvitation(RoutingContext ctx) {
    String token = invitationToken(ctx);
    String password = JsonInput.of(ctx, "password").string("password", 1024);
    identity.acceptInvitation(token, password, Auth.clientIp(ctx), ctx.request().getHeader("User-Agent"))
        .onSuccess(res -> {
          auth.setCookie(ctx, res.token());
          Responses.json(ctx, 200, loginBody(res, false));
        }).onFailure(ctx::fail);
  }
}
