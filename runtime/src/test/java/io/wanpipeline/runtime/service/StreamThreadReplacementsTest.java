package io.wanpipeline.runtime.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.schemas.registry.SchemaRegistryException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

class StreamThreadReplacementsTest {
  private Instant now = Instant.parse("2026-01-01T00:00:00Z");
  private final Clock clock =
      new Clock() {
        @Override
        public ZoneOffset getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now;
        }
      };

  private static final Throwable DEFECT = new IllegalStateException("a bug");
  private static final Throwable REGISTRY_DOWN =
      new StreamsException(
          "deserialization failed",
          new SchemaRegistryException("schema registry GET /schemas/ids/2 failed", 0, null));

  @Test
  void aThreadThatKeepsDyingShutsTheClientDownAfterThreeReplacementsInAMinute() {
    StreamThreadReplacements replacements = new StreamThreadReplacements(clock);
    for (int i = 0; i < StreamThreadReplacements.MAX_FAILURES; i++) {
      assertThat(replacements.threadDied(DEFECT))
          .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
      now = now.plusSeconds(1);
    }
    assertThat(replacements.threadDied(DEFECT))
        .as("the fourth death within a minute")
        .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
  }

  @Test
  void deathsFurtherApartThanTheWindowAreAlwaysReplaced() {
    StreamThreadReplacements replacements = new StreamThreadReplacements(clock);
    for (int i = 0; i < 10; i++) {
      assertThat(replacements.threadDied(DEFECT))
          .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
      now = now.plus(StreamThreadReplacements.WINDOW.dividedBy(2).plus(Duration.ofSeconds(1)));
    }
  }

  @Test
  void registryOutageDeathsAreReplacedWithoutCountingForUpToFiveMinutes() {
    StreamThreadReplacements replacements = new StreamThreadReplacements(clock);
    Instant first = now;
    while (!now.isAfter(first.plus(StreamThreadReplacements.REGISTRY_OUTAGE_LIMIT))) {
      assertThat(replacements.threadDied(REGISTRY_DOWN))
          .as("a death %s after the outage began", Duration.between(first, now))
          .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
      now = now.plusSeconds(2);
    }
    assertThat(replacements.threadDied(REGISTRY_DOWN))
        .as("still dying of the registry past the limit")
        .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
  }

  @Test
  void aRegistryOutageDoesNotUseUpTheBudgetForDefects() {
    StreamThreadReplacements replacements = new StreamThreadReplacements(clock);
    for (int i = 0; i < 20; i++) {
      assertThat(replacements.threadDied(REGISTRY_DOWN))
          .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
      now = now.plusSeconds(1);
    }
    for (int i = 0; i < StreamThreadReplacements.MAX_FAILURES; i++) {
      assertThat(replacements.threadDied(DEFECT))
          .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
    }
    assertThat(replacements.threadDied(DEFECT))
        .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
  }

  @Test
  void outagesFurtherApartThanTheWindowAreSeparateRuns() {
    StreamThreadReplacements replacements = new StreamThreadReplacements(clock);
    for (int outage = 0; outage < 4; outage++) {
      for (int i = 0; i < 100; i++) {
        assertThat(replacements.threadDied(REGISTRY_DOWN))
            .as("outage %d, death %d", outage, i)
            .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        now = now.plusSeconds(2);
      }
      now = now.plus(StreamThreadReplacements.WINDOW).plusSeconds(1);
    }
  }
}
