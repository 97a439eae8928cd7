package io.wanpipeline.schemas.topics;

/**
 * The names of the pipeline's topics. Production uses {@link #DEFAULT}; tests isolate themselves
 * with {@link #withPrefix(String)}.
 *
 * @param videoRequests requests from upstream (key request_id, value VideoRequest)
 * @param videoRequestsDlq unreadable requests (original key and bytes, reason in headers)
 * @param requestCommands commands about requests and batches, such as CANCEL (key {@code
 *     request:<request_id>} or {@code batch:<batch_id>}, value RequestCommand)
 * @param taskStatus lifecycle transitions (key request_id, value TaskStatus)
 * @param pollerDlq records the poller could not read (original key, value and headers, Kafka
 *     Streams' error headers)
 * @param billingDlq records billing could not read (as {@code pollerDlq})
 * @param statusDlq records the status view could not read (as {@code pollerDlq})
 * @param billingCharges one Charge per billed request (key request_id)
 * @param billingTotals running totals (key account_id|day|currency, value AccountTotal)
 * @param billingUnpriced succeeded tasks that had no matching price (key request_id, TaskStatus)
 * @param wanPrices compacted price table (key provider_account|model|tier|audio, value Price)
 * @param submissions submission ledger of the submitter's intake (key request_id, compacted and
 *     deleted after the dedupe retention)
 * @param submissionQueue the submitter's internal queue of accepted requests (key {@code <provider
 *     account>|<model>}, value QueuedRequest)
 * @param submissionDispatch dispatch ledger of the submitter (key request_id, co-partitioned with
 *     {@code submissionQueue}, compacted and deleted after the dedupe retention)
 */
public record TopicNames(
    String videoRequests,
    String videoRequestsDlq,
    String requestCommands,
    String taskStatus,
    String pollerDlq,
    String billingDlq,
    String statusDlq,
    String billingCharges,
    String billingTotals,
    String billingUnpriced,
    String wanPrices,
    String submissions,
    String submissionQueue,
    String submissionDispatch) {

  /** The production names. */
  public static final TopicNames DEFAULT = withPrefix("");

  /** Every name with {@code prefix} in front, for isolated tests and multi-tenant clusters. */
  public static TopicNames withPrefix(String prefix) {
    return new TopicNames(
        prefix + "video-requests",
        prefix + "video-requests-dlq",
        prefix + "request-commands",
        prefix + "task-status",
        prefix + "poller-dlq",
        prefix + "billing-dlq",
        prefix + "status-dlq",
        prefix + "billing-charges",
        prefix + "billing-totals",
        prefix + "billing-unpriced",
        prefix + "wan-prices",
        prefix + "wan-pipeline-submissions",
        prefix + "wan-pipeline-submission-queue",
        prefix + "wan-pipeline-submission-dispatch");
  }
}
