package dev.tandem.store;

import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.h2.mvstore.MVStore;

/**
 * The embedded server's H2 backend, made durable: H2's MVStore normally commits in the
 * background about once a second, so a killed process lost writes it had already acknowledged.
 * Here auto-commit is off and every write command commits before its reply goes out. Concurrent
 * writers share commits (group commit): a writer whose change is already covered by another
 * thread's commit returns without committing again. A commit hands the data to the OS (it
 * survives SIGKILL); {@code syncOnCommit} also fsyncs it (survives power loss).
 */
final class DurableH2Backend extends H2Backend {
  private static final Set<String> WRITES = Set.of("insert", "update", "delete", "findandmodify", "create",
      "createindexes", "drop", "dropdatabase", "dropindexes", "renamecollection");

  private final boolean syncOnCommit;
  private final AtomicLong writesDone = new AtomicLong();
  private final Object commitLock = new Object();
  private long committedUpTo;

  DurableH2Backend(MVStore store, boolean syncOnCommit) {
    super(store);
    this.syncOnCommit = syncOnCommit;
  }

  @Override
  public Document handleCommand(Channel channel, String database, String command, Document query) {
    boolean write = WRITES.contains(command.toLowerCase(Locale.ROOT));
    try {
      return super.handleCommand(channel, database, command, query);
    } finally {
      // Commit even when the command failed part-way (e.g. a duplicate key in a batch):
      // whatever it did write was reported to the client.
      if (write) {
        commitCovering(writesDone.incrementAndGet());
      }
    }
  }

  private void commitCovering(long mine) {
    synchronized (commitLock) {
      if (committedUpTo >= mine) {
        return;
      }
      long upTo = writesDone.get();
      MVStore store = getMvStore();
      store.commit();
      if (syncOnCommit) {
        store.sync();
      }
      committedUpTo = upTo;
    }
  }
}
