package io.wanpipeline.poller;

import io.wanpipeline.runtime.logging.RequestLogContext;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.TaskListQuery;
import io.wanpipeline.wan.TaskPage;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.account.ProviderAccounts;
import io.wanpipeline.wan.rate.CallLimiter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Runs blocking provider calls about tasks on a bounded executor, with the key that created each
 * task (found by its reference), and stamps each result with the time it completed.
 */
final class ProviderCalls {
  /** Error code of a task whose key reference is not configured (any more). */
  static final String KEY_NOT_CONFIGURED = "KEY_NOT_CONFIGURED";

  /** Error code of the gateways' answer to an operation they do not offer (list, cancel). */
  static final String UNSUPPORTED_OPERATION = "UNSUPPORTED_OPERATION";

  /** The longest a call may take before it counts as failed. */
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

  private final ProviderAccounts accounts;
  private final Function<ProviderAccount, WanClient> clientFactory;
  private final Executor executor;
  private final Clock clock;
  private final PollerMeters meters;
  private final Map<String, WanClient> clients = new ConcurrentHashMap<>();
  private final Set<String> withoutList = ConcurrentHashMap.newKeySet();
  private final RecentCalls recent = new RecentCalls(PollScheduler.MIN_SPACING);

  /**
   * Per key reference, the key and its account, found once: every call and every index update asks,
   * thousands of times a second, about a handful of references.
   */
  private final Map<String, Resolved> resolved = new ConcurrentHashMap<>();

  /** A key reference's account name, and its key and account when configured. */
  private record Resolved(
      String accountName, Optional<ApiKey> key, Optional<ProviderAccount> account) {}

  ProviderCalls(
      ProviderAccounts accounts,
      Function<ProviderAccount, WanClient> clientFactory,
      Executor executor,
      Clock clock,
      PollerMeters meters) {
    this.accounts = accounts;
    this.clientFactory = clientFactory;
    this.executor = executor;
    this.clock = clock;
    this.meters = meters;
  }

  /** An outcome and when it arrived. */
  record Result<T>(QueryOutcome<T> outcome, Instant completedAt) {}

  /** The provider account of key {@code apiKeyRef} ({@code <account>#<n>}), for the budget. */
  String accountOf(String apiKeyRef) {
    return apiKeyRef == null ? "null" : resolve(apiKeyRef).accountName();
  }

  private Resolved resolve(String apiKeyRef) {
    return resolved.computeIfAbsent(
        apiKeyRef,
        ref -> {
          int hash = ref.lastIndexOf('#');
          String name = hash < 0 ? ref : ref.substring(0, hash);
          Optional<ApiKey> key = accounts.key(ref);
          return new Resolved(name, key, key.flatMap(k -> accounts.resolve(name)));
        });
  }

  /**
   * Whether a call about {@code taskId} may begin at {@code now}: none under way and {@link
   * PollScheduler#MIN_SPACING} kept after the end of the last one this JVM made, whatever the
   * task's store says ({@link RecentCalls}).
   */
  boolean spacedEnough(String taskId, Instant now) {
    return recent.spacedEnough(taskId, now);
  }

  @SuppressWarnings("try") // the scope is the logging context of the body
  CompletableFuture<Result<TaskSnapshot>> query(
      String apiKeyRef, String taskId, CallLimiter.Permit permit) {
    return call(
        PollerMeters.Kind.QUERY,
        apiKeyRef,
        taskId,
        permit,
        (client, key) -> {
          try (var scope = RequestLogContext.of(null, taskId, accountOf(key.ref()))) {
            return client.query(key, taskId);
          }
        });
  }

  @SuppressWarnings("try") // the scope is the logging context of the body
  CompletableFuture<Result<Boolean>> cancel(
      String apiKeyRef, String taskId, CallLimiter.Permit permit) {
    return call(
        PollerMeters.Kind.CANCEL,
        apiKeyRef,
        taskId,
        permit,
        (client, key) -> {
          try (var scope = RequestLogContext.of(null, taskId, accountOf(key.ref()))) {
            return client.cancel(key, taskId);
          }
        });
  }

  CompletableFuture<Result<TaskPage>> list(
      String apiKeyRef, TaskListQuery query, CallLimiter.Permit permit) {
    return call(
        PollerMeters.Kind.LIST, apiKeyRef, null, permit, (client, key) -> client.list(key, query));
  }

  /** False once the provider of {@code account} answered that it offers no list query. */
  boolean listSupported(String account) {
    return !withoutList.contains(account);
  }

  /**
   * Learns from a failed list call: a dialect without the list query (a gateway that answers
   * {@value #UNSUPPORTED_OPERATION}) stays on per-task polls.
   */
  void listFailed(String account, WanError error) {
    if (UNSUPPORTED_OPERATION.equals(error.code())) {
      withoutList.add(account);
    }
  }

  /**
   * Runs {@code call} on the executor; {@code permit} is answered when the call returns or throws
   * (it holds its place in the budget's window while queued and in flight), or released when the
   * call is never made. A call about a task ({@code taskId} not null) is under way for {@link
   * RecentCalls} from now until it ends. Every call made is counted by kind and outcome, a timeout
   * as an error.
   */
  private <T> CompletableFuture<Result<T>> call(
      PollerMeters.Kind kind,
      String apiKeyRef,
      String taskId,
      CallLimiter.Permit permit,
      BiFunction<WanClient, ApiKey, QueryOutcome<T>> call) {
    Resolved ref = apiKeyRef == null ? null : resolve(apiKeyRef);
    Optional<ApiKey> key = ref == null ? Optional.empty() : ref.key();
    Optional<ProviderAccount> account = ref == null ? Optional.empty() : ref.account();
    if (key.isEmpty() || account.isEmpty()) {
      permit.release();
      return CompletableFuture.completedFuture(
          failed(
              KEY_NOT_CONFIGURED,
              "the key " + apiKeyRef + " that created the task is not configured",
              false));
    }
    CompletableFuture<Result<T>> answer;
    if (taskId != null) {
      recent.began(taskId);
    }
    try {
      WanClient client =
          clients.computeIfAbsent(account.get().name(), n -> clientFactory.apply(account.get()));
      answer =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  QueryOutcome<T> outcome = call.apply(client, key.get());
                  Instant at = clock.instant();
                  permit.answered(at);
                  return new Result<>(outcome, at);
                } catch (RuntimeException | Error e) {
                  permit.answered(clock.instant());
                  throw e;
                } finally {
                  if (taskId != null) {
                    recent.ended(taskId, clock.instant());
                  }
                }
              },
              executor);
    } catch (RuntimeException e) {
      permit.release(); // no client, or shutting down: the call is never made
      if (taskId != null) {
        recent.ended(taskId, clock.instant());
      }
      throw e;
    }
    return answer
        .orTimeout(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionally(
            e ->
                failed(
                    "CLIENT_ERROR",
                    "the provider call failed: " + rootCause(e).getClass().getSimpleName(),
                    true))
        .thenApply(
            r -> {
              meters.called(kind, account.get().name(), r.outcome());
              return r;
            });
  }

  private <T> Result<T> failed(String code, String message, boolean retryable) {
    return new Result<>(
        new QueryOutcome.Failed<>(
            new WanError(code, message, retryable, WanError.Stage.QUERY, 0, null)),
        clock.instant());
  }

  private static Throwable rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }
}
