/**
 * Reconciliation of in-doubt submissions: proving, through the provider's list query, which task an
 * INTENT without an answer created, or that it cannot be proved.
 */
package io.wanpipeline.submitter.reconcile;
