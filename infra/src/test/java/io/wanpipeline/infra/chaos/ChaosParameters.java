package io.wanpipeline.infra.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalDouble;

/**
 * The chaos test's knobs, read from system properties ({@code -Dchaos.requests=2000} on the Maven
 * command line reaches the test through Failsafe).
 *
 * @param requests distinct requests produced ({@code chaos.requests}, default 1000)
 * @param killsPerService SIGKILLs of each of the eight services ({@code chaos.kills}, default 3)
 * @param seed seed of requests, kill moments and the simulator ({@code chaos.seed}, default
 *     20261122)
 * @param ratePerSecond requests produced per second ({@code chaos.rate}, default 12)
 * @param duplicateEvery every n-th request is also sent a second time with the same content ({@code
 *     chaos.duplicate-every}, default 50)
 * @param invalidEvery every n-th request is invalid and must end REJECTED ({@code
 *     chaos.invalid-every}, default 100)
 * @param submitLatencyMin shortest create call ({@code chaos.submit-latency-min-ms}, default 100)
 * @param submitLatencyMax longest create call ({@code chaos.submit-latency-max-ms}, default 400)
 * @param pendingTime how long a task stays PENDING ({@code chaos.pending-ms}, default 3000)
 * @param runningTime how long a task stays RUNNING ({@code chaos.running-ms}, default 5000)
 * @param queryBudget query, list and cancel calls per second of each provider account, enforced by
 *     the simulator and configured in the services ({@code chaos.query-budget}, default the
 *     provider's 20)
 * @param pollerQueryRate an optional cap on each poller's query calls per second per account, its
 *     {@code poller.query-rate} ({@code chaos.poller-query-rate}, default none: the production
 *     split of the account's budget, pollers 16, reconciliation 2, archivers 2 of 20)
 * @param archiverQueryRate an optional cap on each archiver's link queries per second per account,
 *     its {@code archiver.query-rate} ({@code chaos.archiver-query-rate}, default none)
 * @param reconcile how submitters settle in-doubt requests, their {@code submitter.reconcile}
 *     ({@code chaos.reconcile}, default {@code list}, the submitter's own default)
 * @param timeout how long the requests may take to end ({@code chaos.timeout-s}, default 360)
 * @param workDir where each run's logs, properties and state go ({@code chaos.dir}, default {@code
 *     target/chaos})
 */
record ChaosParameters(
    int requests,
    int killsPerService,
    long seed,
    double ratePerSecond,
    int duplicateEvery,
    int invalidEvery,
    Duration submitLatencyMin,
    Duration submitLatencyMax,
    Duration pendingTime,
    Duration runningTime,
    int queryBudget,
    OptionalDouble pollerQueryRate,
    OptionalDouble archiverQueryRate,
    String reconcile,
    Duration timeout,
    Path workDir) {

  static ChaosParameters fromSystemProperties() {
    return new ChaosParameters(
        Integer.getInteger("chaos.requests", 1000),
        Integer.getInteger("chaos.kills", 3),
        Long.getLong("chaos.seed", 20261122L),
        Double.parseDouble(System.getProperty("chaos.rate", "12")),
        Integer.getInteger("chaos.duplicate-every", 50),
        Integer.getInteger("chaos.invalid-every", 100),
        Duration.ofMillis(Long.getLong("chaos.submit-latency-min-ms", 100)),
        Duration.ofMillis(Long.getLong("chaos.submit-latency-max-ms", 400)),
        Duration.ofMillis(Long.getLong("chaos.pending-ms", 3000)),
        Duration.ofMillis(Long.getLong("chaos.running-ms", 5000)),
        Integer.getInteger("chaos.query-budget", 20),
        optionalRate("chaos.poller-query-rate"),
        optionalRate("chaos.archiver-query-rate"),
        System.getProperty("chaos.reconcile", "list"),
        Duration.ofSeconds(Long.getLong("chaos.timeout-s", 360)),
        Path.of(System.getProperty("chaos.dir", "target/chaos")));
  }

  private static OptionalDouble optionalRate(String property) {
    String value = System.getProperty(property);
    return value == null || value.isBlank()
        ? OptionalDouble.empty()
        : OptionalDouble.of(Double.parseDouble(value));
  }
}
