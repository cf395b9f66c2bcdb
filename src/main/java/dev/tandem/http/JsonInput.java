package dev.tandem.http;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a JSON request body into typed values for a validation step. Every accessor checks the
 * JSON type exactly, so an object such as {"$gt": ""} where a string belongs is rejected with a
 * 400 naming the field, and never reaches a query. Unknown fields are rejected too.
 */
public final class JsonInput {
  private static final Pattern EMAIL = Pattern.compile("^[^\\s@]{1,64}@[^\\s@]{1,190}\\.[^\\s@]{2,63}$");
  private final JsonObject body;

  private JsonInput(JsonObject body) {
    this.body = body;
  }

  /** The body as a JSON object; 400 when it is missing, malformed or not an object. */
  public static JsonInput of(RoutingContext ctx, String... allowedFields) {
    String text = ctx.body() == null ? null : ctx.body().asString();
    if (text == null || text.isBlank()) {
      throw ApiException.badRequest("invalid_json", "Request body must be a JSON object.");
    }
    Object parsed;
    try {
      parsed = io.vertx.core.json.Json.decodeValue(text);
    } catch (DecodeException e) {
      throw ApiException.badRequest("invalid_json", "Request body is not valid JSON.");
    }
    if (!(parsed instanceof JsonObject obj)) {
      throw ApiException.badRequest("invalid_json", "Request body must be a JSON object.");
    }
    Set<String> allowed = Set.of(allowedFields);
    for (String f : obj.fieldNames()) {
      if (!allowed.contains(f)) {
        throw ApiException.invalid(f.length() > 40 ? f.substring(0, 40) + "…" : f, "unknown field");
      }
    }
    return new JsonInput(obj);
  }

  public String string(String field, int maxLength) {
    String v = optionalString(field, maxLength);
    if (v == null || v.isBlank()) {
      throw ApiException.invalid(field, "is required");
    }
    return v;
  }

  public String optionalString(String field, int maxLength) {
    Object v = body.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw ApiException.invalid(field, "must be a string");
    }
    if (s.length() > maxLength) {
      throw ApiException.invalid(field, "must be at most " + maxLength + " characters");
    }
    if (s.chars().anyMatch(ch -> ch < 0x20 && ch != '\n' && ch != '\t')) {
      throw ApiException.invalid(field, "contains control characters");
    }
    return s;
  }

  public String email(String field) {
    String v = string(field, 254).trim().toLowerCase(Locale.ROOT);
    if (!EMAIL.matcher(v).matches()) {
      throw ApiException.invalid(field, "must be an email address");
    }
    return v;
  }

  public String optionalEmail(String field) {
    return body.getValue(field) == null ? null : email(field);
  }

  public Boolean optionalBool(String field) {
    Object v = body.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Boolean b)) {
      throw ApiException.invalid(field, "must be true or false");
    }
    return b;
  }

  /** An id we issued: 1-64 of [A-Za-z0-9_-]. */
  public String optionalId(String field) {
    String v = optionalString(field, 64);
    if (v != null && !Ids.valid(v)) {
      throw ApiException.invalid(field, "is not a valid id");
    }
    return v;
  }

  public <E extends Enum<E>> E enumValue(String field, Class<E> type) {
    String v = string(field, 40);
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(v)) {
        return e;
      }
    }
    throw ApiException.invalid(field, "is not one of the allowed values");
  }

  /** A whole number of at least 1 (JSON numbers only; no strings, no fractions). */
  public long positiveLong(String field) {
    Object v = body.getValue(field);
    if (v == null) {
      throw ApiException.invalid(field, "is required");
    }
    if (!(v instanceof Integer || v instanceof Long)) {
      throw ApiException.invalid(field, "must be a whole number");
    }
    long n = ((Number) v).longValue();
    if (n < 1) {
      throw ApiException.invalid(field, "must be at least 1");
    }
    return n;
  }

  /** Wraps an already parsed object (frames from the live WebSocket). */
  public static JsonInput ofObject(JsonObject obj, String... allowedFields) {
    Set<String> allowed = Set.of(allowedFields);
    for (String f : obj.fieldNames()) {
      if (!allowed.contains(f)) {
        throw ApiException.invalid(f.length() > 40 ? f.substring(0, 40) + "…" : f, "unknown field");
      }
    }
    return new JsonInput(obj);
  }

  public boolean has(String field) {
    return body.containsKey(field);
  }
}
