package dev.tandem.messaging;

import dev.tandem.http.ApiException;
import dev.tandem.http.JsonInput;
import dev.tandem.identity.Caller;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** What a live WebSocket frame may do: send, and report read or delivered positions. */
public final class LiveActions {
  private final MessageService messages;

  public LiveActions(Messaging messaging) {
    this.messages = messaging.messages;
  }

  /** Succeeds with the reply to send back (null for none). Fails with ApiException for bad frames. */
  public Future<JsonObject> handle(Caller c, String type, JsonInput in) {
    String conversationId = in.optionalId("conversationId");
    if (conversationId == null) {
      throw ApiException.invalid("conversationId", "is required");
    }
    return switch (type) {
      case "send" -> {
        MessagingRoutes.Send s = MessagingRoutes.send(in);
        yield messages.send(c, conversationId, s.clientId(), s.body()).map(MessageService.Sent::toJson);
      }
      case "read" -> messages.receipt(c, conversationId, in.positiveLong("seq"), true).map(v -> new JsonObject());
      case "delivered" -> messages.receipt(c, conversationId, in.positiveLong("seq"), false).map(v -> null);
      default -> Future.failedFuture(ApiException.badRequest("unknown_type", "Unknown frame type."));
    };
  }

}
