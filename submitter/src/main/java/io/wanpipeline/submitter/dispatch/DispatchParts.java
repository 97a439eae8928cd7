package io.wanpipeline.submitter.dispatch;

import io.wanpipeline.events.internal.QueuedRequest;
import io.wanpipeline.events.internal.SubmissionLedgerEntry;
import io.wanpipeline.schemas.topics.Topic;
import io.wanpipeline.schemas.topics.Topics;
import io.wanpipeline.submitter.InDoubtReconciler;
import io.wanpipeline.submitter.OutcomeDecider;
import io.wanpipeline.submitter.RequestChecks;
import io.wanpipeline.submitter.SubmitterMeters;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.account.ProviderAccounts;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;

/**
 * What a {@link Dispatcher} works with.
 *
 * @param clock time source of every decision
 * @param topics the pipeline's public topics ({@code task-status})
 * @param queueTopic {@code submission-queue}
 * @param dispatchTopic {@code submission-dispatch}
 * @param accounts the provider accounts
 * @param clients the provider client of an account
 * @param checks facts of a request for its status events
 * @param decider what a create call's outcome means
 * @param reconciler settles requests found in doubt
 * @param calls the bounded executor of create calls and reconciliations
 * @param loadTimeout limit of reading a ledger or the status topic to its end
 * @param prepare run once on the loop's thread before anything else (schema registration)
 * @param queueWait how long a request may wait in the queue
 * @param purger deletes finished queue records; closed when the loop stops
 * @param meters the service's meters
 */
public record DispatchParts(
    Clock clock,
    Topics topics,
    Topic<String, QueuedRequest> queueTopic,
    Topic<String, SubmissionLedgerEntry> dispatchTopic,
    ProviderAccounts accounts,
    Function<ProviderAccount, WanClient> clients,
    RequestChecks checks,
    OutcomeDecider decider,
    InDoubtReconciler reconciler,
    ExecutorService calls,
    Duration loadTimeout,
    Runnable prepare,
    QueueWaitLimit queueWait,
    QueuePurger purger,
    SubmitterMeters meters) {}
