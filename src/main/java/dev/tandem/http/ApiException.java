package dev.tandem.http;

/**
 * A failure the caller can act on: an HTTP status, a stable machine code and a human message.
 * Messages never contain patient data, tokens or key material.
 */
public class ApiException extends RuntimeException {
  private final int status;
  private final String code;
  private final long retryAfterSeconds;

  public ApiException(int status, String code, String message) {
    this(status, code, message, 0);
  }

  public ApiException(int status, String code, String message, long retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public static ApiException badRequest(String code, String message) {
    return new ApiException(400, code, message);
  }

  public static ApiException invalid(String field, String problem) {
    return new ApiException(400, "invalid_field", field + ": " + problem);
  }

  public static ApiException unauthorized(String message) {
    return new ApiException(401, "unauthenticated", message);
  }

  public static ApiException forbidden(String message) {
    return new ApiException(403, "forbidden", message);
  }

  /** Also the answer for records the caller may not see: the two must look the same. */
  public static ApiException notFound(String what) {
    return new ApiException(404, "not_found", what + " not found");
  }

  public static ApiException conflict(String code, String message) {
    return new ApiException(409, code, message);
  }

  public static ApiException tooManyRequests(long retryAfterSeconds) {
    long s = Math.max(1, retryAfterSeconds);
    String wait = s < 90 ? s + " seconds" : ((s + 59) / 60) + " minutes";
    return new ApiException(429, "too_many_attempts", "Too many attempts. Try again in " + wait + ".", s);
  }
}
