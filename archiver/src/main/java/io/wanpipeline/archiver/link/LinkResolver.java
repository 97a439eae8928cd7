package io.wanpipeline.archiver.link;

import io.wanpipeline.archiver.archive.ArchiveException;
import io.wanpipeline.archiver.archive.ArchiveFailure;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.QueryOutcome;
import io.wanpipeline.wan.ResultLink;
import io.wanpipeline.wan.TaskSnapshot;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.account.ProviderAccounts;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Gets a fresh signed link for a succeeded task by querying the provider again with the key that
 * created the task (events never carry the signed link). A task the provider no longer knows
 * (UNKNOWN, after 24 h) ends LINK_EXPIRED.
 */
public final class LinkResolver {
  private final ProviderAccounts accounts;
  private final Function<ProviderAccount, WanClient> clientFactory;
  private final Map<String, WanClient> clients = new ConcurrentHashMap<>();

  /**
   * @param accounts the configured provider accounts
   * @param clientFactory builds the client of an account (called once per account)
   */
  public LinkResolver(
      ProviderAccounts accounts, Function<ProviderAccount, WanClient> clientFactory) {
    this.accounts = accounts;
    this.clientFactory = clientFactory;
  }

  /**
   * The task's current link.
   *
   * @throws ArchiveException LINK_EXPIRED (permanent) for an unknown task, LINK_REFRESH_FAILED
   *     (transient or permanent as the provider's error says), NO_API_KEY or INVALID_EVENT
   */
  public ResultLink fresh(TaskStatus status) throws ArchiveException {
    if (status.getTaskId() == null || status.getTaskId().isBlank()) {
      throw ArchiveFailure.permanent(ArchiveFailure.INVALID_EVENT, "the event has no task_id")
          .toException();
    }
    ProviderAccount account =
        accounts
            .resolve(status.getProviderAccount())
            .orElseThrow(
                () ->
                    ArchiveFailure.permanent(
                            ArchiveFailure.NO_API_KEY,
                            "provider account "
                                + status.getProviderAccount()
                                + " is not configured")
                        .toException());
    ApiKey key = keyOf(status, account);
    WanClient client = clients.computeIfAbsent(account.name(), n -> clientFactory.apply(account));
    QueryOutcome<TaskSnapshot> outcome = client.query(key, status.getTaskId());
    if (outcome instanceof QueryOutcome.Failed<TaskSnapshot> failed) {
      WanError e = failed.error();
      String message =
          "querying task "
              + status.getTaskId()
              + " for a fresh link failed: "
              + e.code()
              + (e.httpStatus() > 0 ? " (HTTP " + e.httpStatus() + ")" : "")
              + ": "
              + e.message();
      throw new ArchiveFailure(
              ArchiveFailure.LINK_REFRESH_FAILED,
              message,
              e.retryable() || e.throttled()
                  ? ArchiveFailure.Kind.TRANSIENT
                  : ArchiveFailure.Kind.PERMANENT,
              e.retryAfter())
          .toException();
    }
    TaskSnapshot snapshot = ((QueryOutcome.Answered<TaskSnapshot>) outcome).value();
    if (snapshot.status() == ProviderStatus.UNKNOWN) {
      throw ArchiveFailure.permanent(
              ArchiveFailure.LINK_EXPIRED,
              "the provider no longer knows task "
                  + status.getTaskId()
                  + " (results are kept 24 h), so its video link cannot be refreshed")
          .toException();
    }
    if (snapshot.status() != ProviderStatus.SUCCEEDED) {
      throw ArchiveFailure.permanent(
              ArchiveFailure.DOWNLOAD_FAILED,
              "the provider reports task " + status.getTaskId() + " as " + snapshot.status())
          .toException();
    }
    if (snapshot.videoUrl() == null) {
      throw ArchiveFailure.permanent(
              ArchiveFailure.DOWNLOAD_FAILED,
              "the provider returned no video_url for task " + status.getTaskId())
          .toException();
    }
    return snapshot.videoUrl();
  }

  private ApiKey keyOf(TaskStatus status, ProviderAccount account) throws ArchiveException {
    String ref = status.getApiKeyRef();
    if (ref == null) {
      return account.submitKey();
    }
    Optional<ApiKey> key = account.key(ref).or(() -> accounts.key(ref));
    if (key.isEmpty()) {
      throw ArchiveFailure.permanent(
              ArchiveFailure.NO_API_KEY,
              "API key " + ref + " that created task " + status.getTaskId() + " is not configured")
          .toException();
    }
    return key.get();
  }
}
