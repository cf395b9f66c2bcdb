package dev.tandem.live;

import dev.tandem.http.ApiException;
import dev.tandem.http.JsonInput;
import dev.tandem.identity.Auth;
import dev.tandem.identity.Caller;
import dev.tandem.identity.IdentityService;
import dev.tandem.messaging.LiveActions;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live WebSocket at /api/v1/live. Authenticated by the session (cookie or bearer) on the
 * upgrade request; forwards the user's events from the event bus address {@code user.<id>}
 * (every tab and device of a user has its own socket and gets every event); accepts sends,
 * read and delivered receipts. A socket whose session ends is closed within a minute.
 */
public final class LiveGateway {
  private static final Logger LOG = LoggerFactory.getLogger(LiveGateway.class);
  private static final long RECHECK_MS = 60_000;
  private final Vertx vertx;
  private final IdentityService identity;
  private final LiveActions actions;
  private final Auth auth;

  public LiveGateway(Vertx vertx, IdentityService identity, LiveActions actions, Auth auth) {
    this.vertx = vertx;
    this.identity = identity;
    this.actions = actions;
    this.auth = auth;
  }

  public void mount(Router r) {
    r.get("/api/v1/live").handler(this::checkOrigin).handler(auth.required()).handler(this::upgrade);
  }

  /** Browsers send cookies on cross-site WebSocket upgrades; only our own pages may open one. */
  private void checkOrigin(RoutingContext ctx) {
    // The session check is asynchronous; without a pause the body-less upgrade request ends
    // meanwhile and can no longer be turned into a WebSocket.
    ctx.request().pause();
    String origin = ctx.request().getHeader("Origin");
    String host = ctx.request().getHeader("Host");
    if (origin != null && host != null) {
      try {
        URI o = URI.create(origin);
        String originHost = o.getPort() < 0 ? o.getHost() : o.getHost() + ":" + o.getPort();
        if (!host.equalsIgnoreCase(originHost)) {
          ctx.fail(ApiException.forbidden("Cross-origin live connections are not allowed."));
          return;
        }
      } catch (IllegalArgumentException e) {
        ctx.fail(ApiException.forbidden("Bad Origin header."));
        return;
      }
    }
    if (!"websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"))) {
      ctx.fail(ApiException.badRequest("websocket_required", "Open /api/v1/live as a WebSocket."));
      return;
    }
    ctx.next();
  }

  private void upgrade(RoutingContext ctx) {
    Caller caller = Auth.caller(ctx);
    String token = Auth.sessionToken(ctx);
    ctx.request().toWebSocket().onSuccess(ws -> connect(ws, caller, token))
        .onFailure(t -> LOG.info("live upgrade failed: {}", t.toString()));
  }

  private void connect(ServerWebSocket ws, Caller caller, String token) {
    // Bodies are JsonObjects, or Strings already encoded once by a publisher that sends the same
    // event to many users (the local event bus deep-copies a JsonObject for every consumer).
    var consumer = vertx.eventBus().<Object>consumer("user." + caller.userId(), m -> {
      if (!ws.isClosed()) {
        Object body = m.body();
        ws.writeTextMessage(body instanceof String s ? s : ((JsonObject) body).encode());
      }
    });
    long timer = vertx.setPeriodic(RECHECK_MS, id -> identity.authenticate(token, caller.ip())
        .onFailure(t -> ws.close((short) 4401, "session ended")));
    ws.closeHandler(v -> {
      consumer.unregister();
      vertx.cancelTimer(timer);
    });
    ws.textMessageHandler(text -> onFrame(ws, caller, text));
    consumer.completion().onSuccess(v -> ws.writeTextMessage(new JsonObject().put("type", "hello")
        .put("userId", caller.userId()).encode()));
  }

  private void onFrame(ServerWebSocket ws, Caller caller, String text) {
    JsonObject frame;
    try {
      frame = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      reply(ws, error(null, ApiException.badRequest("invalid_json", "Frames must be JSON objects.")));
      return;
    }
    Object ref = frame.getValue("ref");
    String type = frame.getValue("type") instanceof String s ? s : "";
    frame.remove("type");
    frame.remove("ref");
    try {
      switch (type) {
        case "ping" -> reply(ws, new JsonObject().put("type", "pong").put("ref", ref));
        case "send", "read", "delivered" -> actions.handle(caller, type, JsonInput.ofObject(frame, fields(type)))
            .onSuccess(result -> {
              if (result != null) {
                reply(ws, result.put("type", type + ".ok").put("ref", ref));
              }
            })
            .onFailure(t -> reply(ws, error(ref, t)));
        default -> reply(ws, error(ref, ApiException.badRequest("unknown_type", "Unknown frame type.")));
      }
    } catch (ApiException e) {
      reply(ws, error(ref, e));
    }
  }

  private static String[] fields(String type) {
    return switch (type) {
      case "send" -> new String[] {"conversationId", "clientId", "body"};
      default -> new String[] {"conversationId", "seq"};
    };
  }

  private static JsonObject error(Object ref, Throwable t) {
    ApiException e = t instanceof ApiException a ? a : new ApiException(500, "internal_error", "Something went wrong on our side.");
    if (!(t instanceof ApiException)) {
      LOG.error("live frame failed", t);
    }
    return new JsonObject().put("type", "error").put("ref", ref)
        .put("error", new JsonObject().put("code", e.code()).put("message", e.getMessage()));
  }

  private static void reply(ServerWebSocket ws, JsonObject o) {
    if (!ws.isClosed()) {
      ws.writeTextMessage(o.encode());
    }
  }
}
