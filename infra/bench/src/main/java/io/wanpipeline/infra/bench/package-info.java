/**
 * Benchmarks of the poller and its peers, run by {@code wan-pipeline bench}: they start a real
 * broker and the Wan simulator, drive a workload and print a table per benchmark.
 */
package io.wanpipeline.infra.bench;
