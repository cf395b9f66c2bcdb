package dev.tandem.identity;

/**
 * Who is making a request, established by the session. Services take a Caller, never a
 * RoutingContext.
 */
public record Caller(String userId, Role role, String name, String sessionId, String ip) {
  public boolean isPatient() {
    return role == Role.PATIENT;
  }
}
