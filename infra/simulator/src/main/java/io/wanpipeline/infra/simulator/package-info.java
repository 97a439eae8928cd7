/**
 * The Wan simulator: a faithful, in-process stand-in for the DashScope video API and its OSS result
 * links, with scripted faults and a ledger that tests hold clients against.
 */
package io.wanpipeline.infra.simulator;
