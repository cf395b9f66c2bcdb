package dev.tandem.identity;

import io.vertx.core.Future;
import java.util.List;

/** Care teams, one document per patient. */
public interface CareTeamStore {
  /** Succeeds with null when the patient has no team (or does not exist). */
  Future<CareTeam> forPatient(String patientId);

  /** Teams that include this clinician. */
  Future<List<CareTeam>> withMember(String userId);

  Future<List<CareTeam>> all();

  Future<Void> put(CareTeam team);
}
