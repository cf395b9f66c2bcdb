package dev.tandem.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.Handler;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's one failure handler: {"error":{"code","message"}} with the status from our
 * exception type. 4xx are logged in one line without a stack trace; 5xx with one (and the
 * caller sees a generic message, never internals).
 */
public final class FailureHandler implements Handler<RoutingContext> {
  private static final Logger LOG = LoggerFactory.getLogger(FailureHandler.class);

  @Override
  public void handle(RoutingContext ctx) {
    Throwable t = ctx.failure();
    int status;
    String code;
    String message;
    long retryAfter = 0;
    if (t instanceof ApiException e) {
      status = e.status();
      code = e.code();
      message = e.getMessage();
      retryAfter = e.retryAfterSeconds();
    } else if (t instanceof DecodeException) {
      status = 400;
      code = "invalid_json";
      message = "Request body is not valid JSON.";
    } else if (t instanceof HttpException he) {
      status = he.getStatusCode();
      code = codeFor(status);
      message = messageFor(status);
    } else if (t == null && ctx.statusCode() >= 400) {
      status = ctx.statusCode();
      code = codeFor(status);
      message = messageFor(status);
    } else {
      status = 500;
      code = "internal_error";
      message = "Something went wrong on our side. Please try again.";
    }
    if (status >= 500) {
      LOG.error("{} {} failed with {}", ctx.request().method(), ctx.normalizedPath(), status, t);
    } else {
      LOG.info("{} {} -> {} {}", ctx.request().method(), ctx.normalizedPath(), status, code);
    }
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    var resp = ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
        .putHeader("Cache-Control", "no-store");
    if (retryAfter > 0) {
      resp.putHeader("Retry-After", Long.toString(retryAfter));
    }
    resp.end(new JsonObject().put("error", new JsonObject().put("code", code).put("message", message)).encode());
  }

  static String codeFor(int status) {
    return switch (status) {
      case 400 -> "bad_request";
      case 401 -> "unauthenticated";
      case 403 -> "forbidden";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 413 -> "body_too_large";
      case 415 -> "unsupported_media_type";
      default -> status >= 500 ? "internal_error" : "http_" + status;
    };
  }

  static String messageFor(int status) {
    return switch (status) {
      case 413 -> "Request body is too large.";
      case 404 -> "Not found.";
      case 405 -> "This method is not allowed here.";
      case 415 -> "Send the body as application/json.";
      default -> status >= 500 ? "Something went wrong on our side. Please try again."
          : HttpResponseStatus.valueOf(status).reasonPhrase() + ".";
    };
  }
}
