package dev.tandem.http;

import dev.tandem.crypto.Tokens;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;

/** Record ids: random, URL-safe, and checked before they reach a query. */
public final class Ids {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private Ids() {
  }

  public static String newId() {
    return Tokens.random(12);
  }

  public static boolean valid(String id) {
    return id != null && ID.matcher(id).matches();
  }

  /** A path parameter that must be an id; a malformed one is answered like an unknown one. */
  public static String pathId(RoutingContext ctx, String name, String what) {
    String v = ctx.pathParam(name);
    if (!valid(v)) {
      throw ApiException.notFound(what);
    }
    return v;
  }
}
