package io.wanpipeline.submitter.reconcile;

import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import io.wanpipeline.submitter.InDoubtReconciler;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.TaskListQuery;
import io.wanpipeline.wan.TaskPage;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.account.ProviderAccount;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proves which task an in-doubt create call made by listing the account's tasks of the request's
 * model created around the call ({@code GET /api/v1/tasks}, docs/protocol.md 1.7), with the key the
 * call used. Exactly one task that the pipeline does not know proves the request submitted; none
 * (the list may lag) or several (ambiguous) leave it in doubt, as does any failed list call or a
 * dialect without a list. It never resubmits and never throws.
 *
 * <p>Sound only while at most one create call is in flight per (account, model) across the pipeline
 * and {@code knownTaskIds} holds every other task of that (account, model) in the window. A task
 * created on the same root account outside the pipeline (another application, the console) is
 * indistinguishable from ours: beside our task it makes the match ambiguous, but alone, when our
 * call created nothing, it would be taken for ours.
 */
public final class ListQueryReconciler implements InDoubtReconciler {
  private static final Logger LOG = LoggerFactory.getLogger(ListQueryReconciler.class);

  private final Function<ProviderAccount, WanClient> clients;
  private final ListCallAllowance allowance;
  private final Settings settings;

  /**
   * How the reconciler searches.
   *
   * @param createCallTimeout the longest a create call lasts before the client gives up (the
   *     client's request timeout)
   * @param skew clock difference allowed between the submitter and the provider, on either side
   * @param pageSize tasks asked for per list page
   * @param maxPages the most list pages read for one request; past it the request stays in doubt
   */
  public record Settings(Duration createCallTimeout, Duration skew, int pageSize, int maxPages) {
    public Settings {
      Objects.requireNonNull(createCallTimeout, "createCallTimeout");
      Objects.requireNonNull(skew, "skew");
      if (createCallTimeout.isNegative() || skew.isNegative()) {
        throw new IllegalArgumentException("createCallTimeout and skew must not be negative");
      }
      if (pageSize < 1 || maxPages < 1) {
        throw new IllegalArgumentException("pageSize and maxPages must be at least 1");
      }
    }

    /**
     * 30 s create-call timeout (the clients' default), 10 s skew, pages of 100 tasks, at most 10
     * pages.
     */
    public static Settings defaults() {
      return new Settings(Duration.ofSeconds(30), Duration.ofSeconds(10), 100, 10);
    }
  }

  /**
   * @param clients the client of each account (the submitter's, shared)
   * @param allowance the list calls reconciliation may make per account
   * @param settings how to search
   */
  public ListQueryReconciler(
      Function<ProviderAccount, WanClient> clients,
      ListCallAllowance allowance,
      Settings settings) {
    this.clients = Objects.requireNonNull(clients, "clients");
    this.allowance = Objects.requireNonNull(allowance, "allowance");
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /**
   * A reconciler with the default settings and an allowance of 1 list call per second per account
   * and instance: within the 2 calls a second the pollers leave of the default 20 ({@code
   * AccountLimits.reconcileRate()}) while at most two submitter instances reconcile at once.
   */
  public static ListQueryReconciler withDefaults(
      Function<ProviderAccount, WanClient> clients, Clock clock) {
    return new ListQueryReconciler(
        clients, new ListCallAllowance(clock, 1.0, 1), Settings.defaults());
  }

  /** The window searched for the create call whose intent was recorded at {@code recordedAt}. */
  public SearchWindow windowOf(Instant recordedAt) {
    return SearchWindow.around(recordedAt, settings.createCallTimeout(), settings.skew());
  }

  @Override
  public Optional<Found> reconcile(
      VideoRequest request,
      ProviderAccount account,
      SubmissionLedgerEntry intent,
      Set<String> knownTaskIds) {
    String requestId = request.getRequestId();
    try {
      return search(request, account, intent, knownTaskIds);
    } catch (TryLater e) {
      throw e;
    } catch (RuntimeException e) {
      LOG.warn(
          "in-doubt reconciliation failed requestId={} account={} model={}; left in doubt: {}",
          requestId,
          account.name(),
          request.getModel(),
          e.toString());
      return Optional.empty();
    }
  }

  private Optional<Found> search(
      VideoRequest request,
      ProviderAccount account,
      SubmissionLedgerEntry intent,
      Set<String> knownTaskIds) {
    String requestId = request.getRequestId();
    String model = request.getModel();
    SearchWindow window = windowOf(intent.getRecordedAt());
    CandidateFilter filter = new CandidateFilter(model, window, knownTaskIds);
    ApiKey key = keyOf(account, intent);
    WanClient client = clients.apply(account);
    Map<String, TaskPage.Entry> candidates = new LinkedHashMap<>();
    int pageNo = 1;
    int totalPages = 1;
    while (pageNo <= totalPages && candidates.size() < 2) {
      if (pageNo > settings.maxPages()) {
        LOG.warn(
            "in-doubt reconciliation gave up requestId={} account={} model={}: more than {} list"
                + " pages in window {}..{}; left in doubt",
            requestId,
            account.name(),
            model,
            settings.maxPages(),
            window.start(),
            window.end());
        return Optional.empty();
      }
      int listedPage = pageNo;
      Optional<QueryOutcome<TaskPage>> listed =
          allowance.tryCall(
              account.name(),
              () ->
                  client.list(
                      key,
                      new TaskListQuery(
                          window.start(),
                          window.end(),
                          model,
                          null,
                          listedPage,
                          settings.pageSize())));
      if (listed.isEmpty()) {
        LOG.debug(
            "in-doubt reconciliation out of list allowance requestId={} account={} model={}"
                + " page={}; trying later",
            requestId,
            account.name(),
            model,
            pageNo);
        throw new TryLater(Duration.ofSeconds(1), "out of list allowance");
      }
      QueryOutcome<TaskPage> outcome = listed.get();
      if (outcome instanceof QueryOutcome.Failed<TaskPage> failed) {
        WanError error = failed.error();
        if (error.throttled() || error.retryable()) {
          // The provider did not answer the question: ask again later rather than give up.
          LOG.info(
              "in-doubt reconciliation list not answered requestId={} account={} model={} page={}"
                  + " code={} http={}; trying later",
              requestId,
              account.name(),
              model,
              pageNo,
              error.code(),
              error.httpStatus());
          throw new TryLater(
              error.retryAfter() != null && error.retryAfter().compareTo(Duration.ofSeconds(2)) > 0
                  ? error.retryAfter()
                  : Duration.ofSeconds(2),
              "list answered " + error.code());
        }
        logFailedList(requestId, account, model, key, pageNo, error);
        return Optional.empty();
      }
      TaskPage page = ((QueryOutcome.Answered<TaskPage>) outcome).value();
      for (TaskPage.Entry task : page.tasks()) {
        if (filter.admits(task)) {
          candidates.put(task.taskId(), task);
        }
      }
      if (page.tasks().isEmpty()) {
        break;
      }
      totalPages = page.totalPages();
      pageNo++;
    }
    return decide(requestId, account, model, key, intent, window, candidates);
  }

  private static Optional<Found> decide(
      String requestId,
      ProviderAccount account,
      String model,
      ApiKey key,
      SubmissionLedgerEntry intent,
      SearchWindow window,
      Map<String, TaskPage.Entry> candidates) {
    if (candidates.isEmpty()) {
      LOG.info(
          "in-doubt reconciliation found no unknown task requestId={} account={} model={}"
              + " window={}..{}; left in doubt",
          requestId,
          account.name(),
          model,
          window.start(),
          window.end());
      return Optional.empty();
    }
    if (candidates.size() > 1) {
      LOG.warn(
          "in-doubt reconciliation ambiguous requestId={} account={} model={} window={}..{}"
              + " candidates={}; left in doubt",
          requestId,
          account.name(),
          model,
          window.start(),
          window.end(),
          candidates.keySet());
      return Optional.empty();
    }
    TaskPage.Entry task = candidates.values().iterator().next();
    Instant submittedAt = task.created() != null ? task.created() : intent.getRecordedAt();
    LOG.info(
        "in-doubt reconciliation found requestId={} account={} model={} taskId={} created={}",
        requestId,
        account.name(),
        model,
        task.taskId(),
        submittedAt);
    return Optional.of(new Found(task.taskId(), key.ref(), submittedAt));
  }

  /** The key the create call used, else the account's submit key (same root account). */
  private static ApiKey keyOf(ProviderAccount account, SubmissionLedgerEntry intent) {
    String ref = intent.getApiKeyRef();
    return ref == null ? account.submitKey() : account.key(ref).orElse(account.submitKey());
  }

  private static void logFailedList(
      String requestId,
      ProviderAccount account,
      String model,
      ApiKey key,
      int pageNo,
      WanError error) {
    if (error.httpStatus() == 0
        && !error.retryable()
        && error.code() != null
        && error.code().startsWith("UNSUPPORTED")) {
      LOG.info(
          "in-doubt reconciliation impossible requestId={} account={} dialect={}: no list call"
              + " ({}); left in doubt",
          requestId,
          account.name(),
          account.dialect(),
          error.code());
      return;
    }
    LOG.warn(
        "in-doubt reconciliation list failed requestId={} account={} model={} keyRef={} page={}"
            + " code={} http={}: {}; left in doubt",
        requestId,
        account.name(),
        model,
        key.ref(),
        pageNo,
        error.code(),
        error.httpStatus(),
        error.message());
  }
}
