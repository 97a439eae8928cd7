package io.wanpipeline.billing;

import io.wanpipeline.events.Price;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.Usage;
import io.wanpipeline.infra.testing.fixtures.TaskStatuses;
import java.time.Instant;

/** Builders of the events billing tests feed in. */
final class BillingFixtures {
  private BillingFixtures() {}

  static Price price(String model, String tier, boolean audio, long micros, Instant from) {
    return price("*", model, tier, audio, micros, from);
  }

  static Price price(
      String account, String model, String tier, boolean audio, long micros, Instant from) {
    return Price.newBuilder()
        .setProviderAccount(account)
        .setModel(model)
        .setTier(tier)
        .setAudio(audio)
        .setCurrency("CNY")
        .setMicrosPerSecond(micros)
        .setEffectiveFrom(from)
        .setSource("test")
        .build();
  }

  static TaskStatus.Builder status(String requestId, String account, String model, TaskState s) {
    return TaskStatuses.of(requestId, s)
        .setAccountId(account)
        .setProviderAccount("cn-main")
        .setApiKeyRef("cn-main#0")
        .setModel(model)
        .setEventTime(Instant.parse("2026-03-01T12:00:00Z"));
  }

  static TaskStatus succeeded(
      String requestId, String account, String model, String tier, long millis, Instant end) {
    return status(requestId, account, model, TaskState.SUCCEEDED)
        .setProviderEndTime(end)
        .setEventTime(end.plusSeconds(3))
        .setRequestedResolution(tier)
        .setUsage(usage(millis, tier, null))
        .build();
  }

  static Usage usage(long millis, String tier, Boolean audio) {
    return Usage.newBuilder()
        .setVideoDurationMillis(millis)
        .setTier(tier)
        .setVideoCount(1)
        .setAudio(audio)
        .build();
  }
}
