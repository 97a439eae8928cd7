package io.wanpipeline.runtime.service;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.streams.KafkaStreams.State;
import org.junit.jupiter.api.Test;

/** When a Kafka Streams client, with no close asked for, can no longer work. */
class StreamsLivenessTest {
  @Test
  void aClientStartingOrWorkingWithAStreamThreadIsAlive() {
    assertThat(StreamsLiveness.deadReason(State.CREATED, 0)).isEmpty();
    assertThat(StreamsLiveness.deadReason(State.REBALANCING, 1)).isEmpty();
    assertThat(StreamsLiveness.deadReason(State.RUNNING, 2)).isEmpty();
  }

  @Test
  void aClientInErrorIsDead() {
    assertThat(StreamsLiveness.deadReason(State.PENDING_ERROR, 1))
        .hasValueSatisfying(r -> assertThat(r).contains("PENDING_ERROR"));
    assertThat(StreamsLiveness.deadReason(State.ERROR, 0))
        .hasValueSatisfying(r -> assertThat(r).contains("ERROR"));
  }

  @Test
  void aClientWithoutALiveStreamThreadIsDead() {
    assertThat(StreamsLiveness.deadReason(State.RUNNING, 0)).isPresent();
    assertThat(StreamsLiveness.deadReason(State.REBALANCING, 0)).isPresent();
  }

  @Test
  void aClientThatStoppedWithoutACloseIsDead() {
    assertThat(StreamsLiveness.deadReason(State.PENDING_SHUTDOWN, 1)).isPresent();
    assertThat(StreamsLiveness.deadReason(State.NOT_RUNNING, 0)).isPresent();
  }
}
