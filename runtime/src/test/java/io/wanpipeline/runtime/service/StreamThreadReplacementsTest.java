package io.wanpipeline.runtime.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
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

  @Test
  void aThreadThatKeepsDyingShutsTheClientDownAfterThreeReplacementsInAMinute() {
    StreamThreadReplacements replacements = new StreamThreadReplacements(clock);
    for (int i = 0; i < StreamThreadReplacements.MAX_FAILURES; i++) {
      assertThat(replacements.threadDied()).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
      now = now.plusSeconds(1);
    }
    assertThat(replacements.threadDied())
        .as("the fourth death within a minute")
        .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
  }

  @Test
  void deathsFurtherApartThanTheWindowAreAlwaysReplaced() {
    StreamThreadReplacements replacements = new StreamThreadReplacements(clock);
    for (int i = 0; i < 10; i++) {
      assertThat(replacements.threadDied()).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
      now = now.plus(StreamThreadReplacements.WINDOW.dividedBy(2).plus(Duration.ofSeconds(1)));
    }
  }
}
