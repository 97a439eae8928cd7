package io.wanpipeline.status.view;

/**
 * The keys of the status view's index store, beside the requests store (both partitioned by
 * request_id, so each instance indexes the requests it holds). Ids never hold {@code |} (the id
 * grammar; batch ids too, {@link Lifecycles#batch}), so a prefix names exactly one account or
 * batch.
 *
 * <ul>
 *   <li>{@code account|<account_id>|<request_id>} and {@code batch|<batch_id>|<request_id>}: the
 *       request's latest state;
 *   <li>{@code inflight|<request_id>}: the request's account, present while it is in flight;
 *   <li>{@code failed|<inverted event time>|<request_id>}: the request's account, present while its
 *       latest state is a failure ({@link Lifecycles#FAILURES}); the newest sort first;
 *   <li>{@code recent|<inverted event time>|<request_id>}: the request's account, one entry per
 *       request at the time of its latest event; the most recently updated sort first.
 * </ul>
 */
public final class IndexKeys {
  private IndexKeys() {}

  /** The prefix of every request of {@code accountId}. */
  public static String account(String accountId) {
    return "account|" + accountId + "|";
  }

  /** The prefix of every request of {@code batchId}. */
  public static String batch(String batchId) {
    return BATCHES + batchId + "|";
  }

  /** The prefix of every batch entry. */
  public static final String BATCHES = "batch|";

  /** The batch id of a {@link #batch} index key. */
  public static String batchId(String key) {
    return key.substring(BATCHES.length(), key.lastIndexOf('|'));
  }

  /** The prefix of every request in flight. */
  public static final String IN_FLIGHT = "inflight|";

  /** The prefix of every failed request. */
  public static final String FAILED = "failed|";

  /** The prefix of every request, the most recently updated first. */
  public static final String RECENT = "recent|";

  /** The failure entry of {@code requestId}, whose latest event was at {@code eventTimeMillis}. */
  public static String failed(long eventTimeMillis, String requestId) {
    return FAILED + newestFirst(eventTimeMillis) + "|" + requestId;
  }

  /** The recent entry of {@code requestId}, whose latest event was at {@code eventTimeMillis}. */
  public static String recent(long eventTimeMillis, String requestId) {
    return RECENT + newestFirst(eventTimeMillis) + "|" + requestId;
  }

  private static String newestFirst(long millis) {
    return String.format("%019d", Long.MAX_VALUE - millis);
  }

  /** The request id at the end of an index key. */
  public static String requestId(String key) {
    return key.substring(key.lastIndexOf('|') + 1);
  }
}
