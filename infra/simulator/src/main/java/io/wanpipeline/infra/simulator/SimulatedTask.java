package io.wanpipeline.infra.simulator;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** One task's identity, fate and timeline; mutable fields are guarded by the {@link TaskBoard}. */
final class SimulatedTask {

  /** How the task is going to end. */
  enum Fate {
    SUCCEED,
    FAIL,
    NEVER_FINISH,
    PENDING_FOREVER
  }

  final String taskId;
  final String account;
  final String keyId;
  final String model;
  final String endpointPath;
  final String providerRequestId;
  final String pipelineRequestId;
  final CreateBody request;
  final Instant submitted;
  final Duration pendingTime;
  final Duration runningTime;
  final Fate fate;
  final String failCode;
  final String failMessage;
  final long usageMillis;
  final String tier;
  final String size;
  final boolean audio;
  final Long videoBytes;

  /** The only usage fields the model reports whatever the style; empty when the style decides. */
  final List<String> usageFields;

  Instant started;
  Instant ended;
  boolean canceled;

  SimulatedTask(
      String taskId,
      String account,
      String keyId,
      String model,
      String endpointPath,
      String providerRequestId,
      String pipelineRequestId,
      CreateBody request,
      Instant submitted,
      Duration pendingTime,
      Duration runningTime,
      Fate fate,
      String failCode,
      String failMessage,
      long usageMillis,
      String tier,
      String size,
      boolean audio,
      Long videoBytes,
      List<String> usageFields) {
    this.taskId = taskId;
    this.account = account;
    this.keyId = keyId;
    this.model = model;
    this.endpointPath = endpointPath;
    this.providerRequestId = providerRequestId;
    this.pipelineRequestId = pipelineRequestId;
    this.request = request;
    this.submitted = submitted;
    this.pendingTime = pendingTime;
    this.runningTime = runningTime;
    this.fate = fate;
    this.failCode = failCode;
    this.failMessage = failMessage;
    this.usageMillis = usageMillis;
    this.tier = tier;
    this.size = size;
    this.audio = audio;
    this.videoBytes = videoBytes;
    this.usageFields = List.copyOf(usageFields);
  }

  /** The state at {@code now}, assuming the task's lane has been advanced to {@code now}. */
  NativeStatus statusAt(Instant now, Duration retention) {
    if (expiredAt(now, retention)) {
      return NativeStatus.UNKNOWN;
    }
    if (canceled) {
      return NativeStatus.CANCELED;
    }
    if (started == null || started.isAfter(now)) {
      return NativeStatus.PENDING;
    }
    if (ended == null || ended.isAfter(now)) {
      return NativeStatus.RUNNING;
    }
    return fate == Fate.FAIL ? NativeStatus.FAILED : NativeStatus.SUCCEEDED;
  }

  boolean expiredAt(Instant now, Duration retention) {
    Instant from = ended != null && !ended.isAfter(now) ? ended : submitted;
    return !now.isBefore(from.plus(retention));
  }

  boolean scheduledAt(Instant now) {
    return started != null && !started.isAfter(now);
  }

  boolean endedAt(Instant now) {
    return ended != null && !ended.isAfter(now);
  }
}
