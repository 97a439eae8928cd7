/**
 * The one limiter of the pipeline's calls to the provider: {@link CallLimiter} (at most {@code
 * limit} calls in any window, each counted from its start until a window after its answer) and
 * {@link RateWindow} (a rate as such a window). Every client-side rate goes through it: the
 * submitter's submit rate per (account, model), the poller's status, list and cancel calls, the
 * list calls of in-doubt reconciliation and the archiver's link queries; each keeps its own rate
 * and its own share of the account's quota ({@code AccountLimits}).
 *
 * <p>The Wan simulator ({@code io.wanpipeline.infra.simulator}) enforces the provider's limits with
 * its own code and must never use this package: it is the oracle that judges whether our clients
 * keep to their rates, and an oracle that shares the code it judges would agree with its bugs.
 */
package io.wanpipeline.wan.rate;
