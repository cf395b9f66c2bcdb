package dev.tandem.identity;

import dev.tandem.http.ApiException;
import io.vertx.core.Handler;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.ext.web.RoutingContext;
import java.util.EnumSet;
import java.util.Set;

/**
 * Route handlers for authentication: a session from the HttpOnly cookie (browsers) or an
 * {@code Authorization: Bearer} header (apps) becomes a {@link Caller} on the context, and
 * role gates. Services receive the Caller, never the context.
 */
public final class Auth {
  private static final String CALLER = "tandem.caller";
  private static final String TOKEN = "tandem.token";
  private final IdentityService identity;
  private final String cookieName;
  private final boolean secureCookie;

  public Auth(IdentityService identity, String cookieName, boolean secureCookie) {
    this.identity = identity;
    this.cookieName = cookieName;
    this.secureCookie = secureCookie;
  }

  /** Requires a live session; 401 unauthenticated (none sent) or session_expired. */
  public Handler<RoutingContext> required() {
    return ctx -> {
      String token = token(ctx);
      if (token == null) {
        ctx.fail(ApiException.unauthorized("Sign in to continue."));
        return;
      }
      identity.authenticate(token, clientIp(ctx)).onSuccess(caller -> {
        ctx.put(CALLER, caller);
        ctx.put(TOKEN, token);
        ctx.next();
      }).onFailure(ctx::fail);
    };
  }

  /** Requires one of the roles (after {@link #required()}); 403 otherwise. */
  public Handler<RoutingContext> roles(Role first, Role... rest) {
    Set<Role> allowed = EnumSet.of(first, rest);
    return ctx -> {
      if (allowed.contains(caller(ctx).role())) {
        ctx.next();
      } else {
        ctx.fail(ApiException.forbidden("Your account cannot do this."));
      }
    };
  }

  public Handler<RoutingContext> clinician() {
    return roles(Role.PRESCRIBER, Role.THERAPIST, Role.NAVIGATOR);
  }

  public Handler<RoutingContext> staff() {
    return roles(Role.PRESCRIBER, Role.THERAPIST, Role.NAVIGATOR, Role.ADMIN);
  }

  public Handler<RoutingContext> admin() {
    return roles(Role.ADMIN);
  }

  public static Caller caller(RoutingContext ctx) {
    Caller c = ctx.get(CALLER);
    if (c == null) {
      throw ApiException.unauthorized("Sign in to continue.");
    }
    return c;
  }

  public static String sessionToken(RoutingContext ctx) {
    return ctx.get(TOKEN);
  }

  public void setCookie(RoutingContext ctx, String token) {
    ctx.response().addCookie(Cookie.cookie(cookieName, token).setHttpOnly(true).setSecure(secureCookie)
        .setSameSite(CookieSameSite.STRICT).setPath("/"));
  }

  public void clearCookie(RoutingContext ctx) {
    ctx.response().addCookie(Cookie.cookie(cookieName, "").setHttpOnly(true).setSecure(secureCookie)
        .setSameSite(CookieSameSite.STRICT).setPath("/").setMaxAge(0));
  }

  public static String clientIp(RoutingContext ctx) {
    var a = ctx.request().remoteAddress();
    return a == null ? "unknown" : a.hostAddress();
  }

  private String token(RoutingContext ctx) {
    String h = ctx.request().getHeader("Authorization");
    if (h != null && h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return h.substring(7).trim();
    }
    Cookie c = ctx.request().getCookie(cookieName);
    return c == null || c.getValue().isEmpty() ? null : c.getValue();
  }
}
