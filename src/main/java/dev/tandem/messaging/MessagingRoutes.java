package dev.tandem.messaging;

import dev.tandem.http.ApiException;
import dev.tandem.http.Ids;
import dev.tandem.http.JsonInput;
import dev.tandem.http.Responses;
import dev.tandem.identity.Auth;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/** Wiring for conversations, messages, receipts, the inbox and messaging administration. */
public final class MessagingRoutes {
  private final Messaging messaging;
  private final Auth auth;

  record Send(String clientId, String body) {
  }

  public MessagingRoutes(Messaging messaging, Auth auth) {
    this.messaging = messaging;
    this.auth = auth;
  }

  public void mount(Router r) {
    r.get("/api/v1/conversations").handler(auth.required()).handler(this::list);
    r.post("/api/v1/conversations/direct").handler(auth.required()).handler(auth.clinician()).handler(this::direct);
    r.get("/api/v1/conversations/:conversationId/messages").handler(auth.required()).handler(this::history);
    r.post("/api/v1/conversations/:conversationId/messages").handler(auth.required()).handler(this::send);
    r.post("/api/v1/conversations/:conversationId/read").handler(auth.required()).handler(this::read);
    r.put("/api/v1/conversations/:conversationId/assignee").handler(auth.required()).handler(auth.clinician()).handler(this::assign);
    r.get("/api/v1/inbox").handler(auth.required()).handler(auth.clinician()).handler(this::inbox);
    // Vert.x wants the body handler first on a route; the limit bounds what an anonymous caller can send.
    r.post("/api/v1/conversations/:conversationId/attachments")
        .handler(BodyHandler.create(false).setBodyLimit(messaging.attachments.maxBytes() + 1)).handler(auth.required())
        .handler(this::upload);
    r.get("/api/v1/conversations/:conversationId/attachments/:attachmentId").handler(auth.required()).handler(this::download);
    r.post("/api/v1/admin/keys/rotate").handler(auth.required()).handler(auth.admin()).handler(this::rotate);
    r.post("/api/v1/admin/patients/:patientId/erase-messages").handler(auth.required()).handler(auth.admin())
        .handler(this::erase);
  }

  /** Validates a send (shared with the live gateway). */
  static Send send(JsonInput in) {
    String clientId = in.string("clientId", 64);
    if (!Ids.valid(clientId)) {
      throw ApiException.invalid("clientId", "must be 1-64 letters, digits, '-' or '_'");
    }
    return new Send(clientId, in.string("body", 100_000));
  }

  private void list(RoutingContext ctx) {
    messaging.directory.list(Auth.caller(ctx)).onSuccess(o -> Responses.json(ctx, 200, o)).onFailure(ctx::fail);
  }

  private void direct(RoutingContext ctx) {
    JsonInput in = JsonInput.of(ctx, "patientId", "clinicianId");
    String patientId = in.optionalId("patientId");
    String other = in.optionalId("clinicianId");
    if (patientId == null || other == null) {
      throw ApiException.invalid(patientId == null ? "patientId" : "clinicianId", "is required");
    }
    messaging.directory.direct(Auth.caller(ctx), patientId, other)
        .onSuccess(o -> Responses.json(ctx, 200, new JsonObject().put("conversation", o))).onFailure(ctx::fail);
  }

  private static Long longParam(RoutingContext ctx, String name) {
    String v = ctx.queryParams().get(name);
    if (v == null) {
      return null;
    }
    try {
      long n = Long.parseLong(v);
      if (n < 0) {
        throw ApiException.invalid(name, "must not be negative");
      }
      return n;
    } catch (NumberFormatException e) {
      throw ApiException.invalid(name, "must be a whole number");
    }
  }

  private void history(RoutingContext ctx) {
    String id = Ids.pathId(ctx, "conversationId", "conversation");
    Long after = longParam(ctx, "after");
    Long before = longParam(ctx, "before");
    Long limit = longParam(ctx, "limit");
    if (after != null && before != null) {
      throw ApiException.badRequest("invalid_query", "Use either after or before, not both.");
    }
    if (limit != null && (limit < 1 || limit > 200)) {
      throw ApiException.invalid("limit", "must be between 1 and 200");
    }
    messaging.messages.history(Auth.caller(ctx), id, after, before, limit == null ? 50 : limit.intValue())
        .onSuccess(o -> Responses.json(ctx, 200, o)).onFailure(ctx::fail);
  }

  private void send(RoutingContext ctx) {
    String id = Ids.pathId(ctx, "conversationId", "conversation");
    Send req = send(JsonInput.of(ctx, "clientId", "body"));
    messaging.messages.send(Auth.caller(ctx), id, req.clientId(), req.body())
        .onSuccess(s -> Responses.json(ctx, s.duplicate() ? 200 : 201, s.toJson())).onFailure(ctx::fail);
  }

  private void read(RoutingContext ctx) {
    String id = Ids.pathId(ctx, "conversationId", "conversation");
    long seq = JsonInput.of(ctx, "seq").positiveLong("seq");
    messaging.messages.receipt(Auth.caller(ctx), id, seq, true).onSuccess(v -> Responses.noContent(ctx)).onFailure(ctx::fail);
  }

  private void assign(RoutingContext ctx) {
    String id = Ids.pathId(ctx, "conversationId", "conversation");
    String userId = JsonInput.of(ctx, "userId").optionalId("userId");
    if (userId == null) {
      throw ApiException.invalid("userId", "is required");
    }
    messaging.directory.assign(Auth.caller(ctx), id, userId).onSuccess(v -> Responses.noContent(ctx)).onFailure(ctx::fail);
  }

  private void inbox(RoutingContext ctx) {
    messaging.directory.inbox(Auth.caller(ctx)).onSuccess(o -> Responses.json(ctx, 200, o)).onFailure(ctx::fail);
  }

  /**
   * Raw file body (Content-Type image/* or application/pdf, or application/octet-stream), with
   * ?clientId= and ?name=. The declared type is ignored: the content decides.
   */
  private void upload(RoutingContext ctx) {
    String id = Ids.pathId(ctx, "conversationId", "conversation");
    String clientId = ctx.queryParams().get("clientId");
    if (!Ids.valid(clientId)) {
      throw ApiException.invalid("clientId", "must be 1-64 letters, digits, '-' or '_'");
    }
    String name = ctx.queryParams().get("name");
    if (name != null && name.length() > 200) {
      throw ApiException.invalid("name", "must be at most 200 characters");
    }
    byte[] content = ctx.body() == null || ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
    messaging.attachments.upload(Auth.caller(ctx), id, clientId, name, content)
        .onSuccess(s -> Responses.json(ctx, s.duplicate() ? 200 : 201, s.toJson())).onFailure(ctx::fail);
  }

  private void download(RoutingContext ctx) {
    String id = Ids.pathId(ctx, "conversationId", "conversation");
    String att = Ids.pathId(ctx, "attachmentId", "attachment");
    messaging.attachments.download(Auth.caller(ctx), id, att).onSuccess(d -> ctx.response()
        .putHeader("Content-Type", d.mime()).putHeader("Cache-Control", "no-store")
        .putHeader("Content-Disposition", "attachment; filename=\"" + d.name().replace("\"", "") + "\"")
        .putHeader("Content-Security-Policy", "default-src 'none'; sandbox").end(d.content())).onFailure(ctx::fail);
  }

  private void rotate(RoutingContext ctx) {
    messaging.admin.rotate(Auth.caller(ctx)).onSuccess(o -> Responses.json(ctx, 200, o)).onFailure(ctx::fail);
  }

  private void erase(RoutingContext ctx) {
    String id = Ids.pathId(ctx, "patientId", "patient");
    messaging.admin.erasePatientMessages(Auth.caller(ctx), id).onSuccess(o -> Responses.json(ctx, 200, o)).onFailure(ctx::fail);
  }
}
