package io.wanpipeline.poller;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.wanpipeline.events.RequestCommand;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.internal.InFlightTask;
import io.wanpipeline.schemas.registry.SchemaRegistry;
import io.wanpipeline.schemas.serde.AvroSerde;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import io.wanpipeline.wan.retry.Backoff;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The poller's topology: {@code task-status} -> {@link PollProcessor} (store {@link #STORE}) ->
 * {@code task-status}.
 */
public final class PollerTopology {
  /**
   * Calls one partition's processor has under way at most (started and not yet applied), so an
   * instance with more due tasks than its threads can answer polls some of them late instead of
   * queueing calls without end (without this bound, 100,000 tasks over loopback HTTP stopped all
   * polling in {@code bench poller-capacity}).
   */
  public static final int MAX_CALLS_UNDER_WAY = 1_000;

  /** Name of the store of in-flight tasks, keyed by request_id. */
  public static final String STORE = "poller-in-flight";

  /** Name of the source node. */
  public static final String SOURCE = "task-status-in";

  /** Name of the processor node. */
  public static final String PROCESSOR = "poll";

  /** Name of the sink node. */
  public static final String SINK = "task-status-out";

  /**
   * Name of the global store of cancel commands, keyed by target ({@code request:<id>}, {@code
   * batch:<id>}); every stream task reads it, since a batch's tasks are on every partition.
   */
  public static final String COMMANDS_STORE = "poller-commands";

  /** Name of the commands' source node. */
  public static final String COMMANDS_SOURCE = "request-commands-in";

  /** Name of the node that keeps {@link #COMMANDS_STORE}. */
  public static final String COMMANDS_UPDATER = "request-commands-store";

  private PollerTopology() {}

  /**
   * What the topology needs besides configuration.
   *
   * @param clock the time of every decision
   * @param random jitter of poll intervals and backoff
   * @param clients makes the provider client of an account (called once per account)
   * @param executor runs blocking provider calls (a bounded pool owned by the caller)
   * @param share this instance's share of every account's query budget, counted by the poll
   *     processors of the topology
   * @param meters the registry the topology's meters are recorded in (the service's)
   */
  public record Collaborators(
      Clock clock,
      RandomGenerator random,
      Function<ProviderAccount, WanClient> clients,
      Executor executor,
      PartitionShare share,
      MeterRegistry meters) {
    public Collaborators {
      Objects.requireNonNull(clock, "clock");
      Objects.requireNonNull(random, "random");
      Objects.requireNonNull(clients, "clients");
      Objects.requireNonNull(executor, "executor");
      Objects.requireNonNull(share, "share");
      Objects.requireNonNull(meters, "meters");
    }

    /**
     * Collaborators of an instance that owns the whole budget (one instance, a test driver), whose
     * meters are recorded in {@code meters}.
     */
    public Collaborators(
        Clock clock,
        RandomGenerator random,
        Function<ProviderAccount, WanClient> clients,
        Executor executor,
        MeterRegistry meters) {
      this(clock, random, clients, executor, PartitionShare.whole(), meters);
    }

    /** As above, recording no meters. */
    public Collaborators(
        Clock clock,
        RandomGenerator random,
        Function<ProviderAccount, WanClient> clients,
        Executor executor) {
      this(clock, random, clients, executor, new CompositeMeterRegistry());
    }
  }

  /** Builds the topology; pure apart from the collaborators handed in. */
  public static Topology build(
      PollerConfig config, Topics topics, SchemaRegistry registry, Collaborators collaborators) {
    Topic<String, TaskStatus> status = topics.taskStatus();
    AvroSerde<InFlightTask> storeSerde =
        AvroSerde.forValue(registry, InFlightTask.getClassSchema());
    Backoff backoff =
        new Backoff(config.backoffInitial(), config.backoffMax(), collaborators.random());
    PollScheduler scheduler =
        new PollScheduler(
            config.firstPollDelay(),
            config.minInterval(),
            config.latestScheduledInterval(),
            backoff,
            collaborators.random());
    TaskTransitions transitions =
        new TaskTransitions(
            scheduler,
            new TimeoutDetector(config.timeout()),
            config.unknownThreshold(),
            config.lateWatchInterval(),
            config.aimPolls() ? RunTimeForecast.learning() : RunTimeForecast.none());
    QueryBudget budget =
        new QueryBudget(
            config.accounts(), config.queryRateCap(), collaborators.share(), config.budgetMargin());
    PollerMeters meters =
        new PollerMeters(collaborators.meters(), config.accounts(), ModelCatalogue.standard());
    meters.bindBudget(budget, collaborators.clock());
    ProviderCalls calls =
        new ProviderCalls(
            config.accounts(),
            collaborators.clients(),
            collaborators.executor(),
            collaborators.clock(),
            meters);
    ListSweeps sweeps =
        new ListSweeps(
            budget, calls, config.listPolicy(), config.minInterval(), config.endSweepInterval());

    Topology topology = new Topology();
    topology.addSource(
        SOURCE,
        status.keySerde().deserializer(),
        status.valueSerde().deserializer(),
        status.name());
    Topic<String, RequestCommand> commands = topics.requestCommands();
    CancelCommands.Arrivals arrivals = new CancelCommands.Arrivals();
    topology.addGlobalStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(COMMANDS_STORE),
                Serdes.String(),
                commands.valueSerde())
            .withLoggingDisabled(),
        COMMANDS_SOURCE,
        commands.keySerde().deserializer(),
        commands.valueSerde().deserializer(),
        commands.name(),
        COMMANDS_UPDATER,
        () -> new CancelCommands.Updater(COMMANDS_STORE, arrivals));
    topology.addProcessor(
        PROCESSOR,
        () ->
            new PollProcessor(
                STORE,
                COMMANDS_STORE,
                arrivals,
                config.punctuateInterval(),
                config.callWait(),
                collaborators.clock(),
                transitions,
                budget,
                calls,
                collaborators.share(),
                config.listPolicy(),
                sweeps,
                meters),
        SOURCE);
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(STORE), Serdes.String(), storeSerde),
        PROCESSOR);
    topology.addSink(
        SINK,
        status.name(),
        status.keySerde().serializer(),
        status.valueSerde().serializer(),
        PROCESSOR);
    return topology;
  }
}
