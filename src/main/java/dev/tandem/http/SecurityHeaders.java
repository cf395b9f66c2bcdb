package dev.tandem.http;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Security headers on every response. The CSP allows only our own scripts and styles; later
 * features that embed Jitsi widen frame-src for the configured domain only.
 */
public final class SecurityHeaders implements Handler<RoutingContext> {
  private final boolean tls;
  private final String csp;

  public SecurityHeaders(boolean tls) {
    this.tls = tls;
    this.csp = policyAllowing(null);
  }

  /**
   * The policy, optionally also allowing scripts and frames from one more origin (the visit page
   * and its Jitsi deployment; every other page keeps the strict policy).
   */
  public static String policyAllowing(String origin) {
    String extra = origin == null ? "" : " " + origin;
    return "default-src 'self'; script-src 'self'" + extra + "; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self'; " + (origin == null ? "" : "frame-src" + extra + "; ")
        + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";
  }

  @Override
  public void handle(RoutingContext ctx) {
    var h = ctx.response().headers();
    h.set("Content-Security-Policy", csp);
    h.set("X-Frame-Options", "DENY");
    h.set("X-Content-Type-Options", "nosniff");
    h.set("Referrer-Policy", "no-referrer");
    h.set("Permissions-Policy", "geolocation=(), microphone=(self), camera=(self)");
    h.set("Cross-Origin-Opener-Policy", "same-origin");
    if (tls) {
      h.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    }
    ctx.next();
  }
}
