package dev.tandem.identity;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;
import java.util.List;

final class MongoCareTeamStore implements CareTeamStore {
  static final String CARE_TEAMS = "careTeams";
  private final MongoClient mongo;

  MongoCareTeamStore(MongoClient mongo) {
    this.mongo = mongo;
  }

  @Override
  public Future<CareTeam> forPatient(String patientId) {
    return mongo.findOne(CARE_TEAMS, new JsonObject().put("_id", patientId), null)
        .map(d -> d == null ? null : CareTeam.fromDoc(d));
  }

  @Override
  public Future<List<CareTeam>> withMember(String userId) {
    return mongo.find(CARE_TEAMS, new JsonObject().put("members", userId)).map(l -> l.stream().map(CareTeam::fromDoc).toList());
  }

  @Override
  public Future<List<CareTeam>> all() {
    return mongo.find(CARE_TEAMS, new JsonObject()).map(l -> l.stream().map(CareTeam::fromDoc).toList());
  }

  @Override
  public Future<Void> put(CareTeam team) {
    JsonObject doc = team.toDoc();
    doc.remove("_id");
    return mongo.updateCollectionWithOptions(CARE_TEAMS, new JsonObject().put("_id", team.patientId()),
        new JsonObject().put("$set", doc), new UpdateOptions().setUpsert(true)).mapEmpty();
  }
}
