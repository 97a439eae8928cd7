package io.wanpipeline.submitter;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wanpipeline.submitter.dispatch.LaneKey;
import io.wanpipeline.submitter.dispatch.QueueWaitLimit;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.WanError;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SubmitterMetersTest {
  private static final LaneKey LANE = new LaneKey("default", "wan2.2-i2v-flash");
  private static final LaneKey OTHER_LANE = new LaneKey("spare", "wan2.2-t2v-plus");

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final SubmitterMeters meters = new SubmitterMeters(registry);

  @Test
  void classifiesCreateCallOutcomesAndTellsThrottlingFromRefusal() {
    meters.createCall(LANE, new SubmitOutcome.Accepted("t-1", ProviderStatus.PENDING, "p-1"));
    meters.createCall(LANE, refused("Throttling.RateQuota", 429));
    meters.createCall(LANE, refused("InvalidParameter", 400));
    meters.createCall(LANE, new SubmitOutcome.InDoubt("HTTP 500"));

    for (String outcome : new String[] {"accepted", "throttled", "refused", "in_doubt"}) {
      assertThat(
              registry
                  .get("wan.submit.calls")
                  .tags("account", "default", "model", "wan2.2-i2v-flash", "outcome", outcome)
                  .counter()
                  .count())
          .as(outcome)
          .isEqualTo(1);
    }
  }

  @Test
  void tagsAProvidersCodeAsRefusedAndThePipelinesOwnCodesAsTheyAre() {
    meters.failed(LANE, "DataInspectionFailed");
    meters.failed(LANE, "Throttling.RateQuota");
    meters.failed(LANE, QueueWaitLimit.QUEUE_TIMEOUT);
    meters.failed(LANE, OutcomeDecider.SUBMIT_IN_DOUBT);

    assertThat(registry.get("wan.requests.failed").counters())
        .extracting(c -> c.getId().getTag("code"))
        .as("the provider's open set of codes never becomes a tag value")
        .containsExactlyInAnyOrder(
            SubmitterMeters.PROVIDER_REFUSED,
            QueueWaitLimit.QUEUE_TIMEOUT,
            OutcomeDecider.SUBMIT_IN_DOUBT);
    assertThat(
            registry
                .get("wan.requests.failed")
                .tags("code", SubmitterMeters.PROVIDER_REFUSED)
                .counter()
                .count())
        .isEqualTo(2);
  }

  @Test
  void aLaneTheDispatcherNoLongerHasReadsZero() {
    meters.lane(LANE, 4, 2, 5);
    meters.lane(OTHER_LANE, 1, 1, 3);

    meters.lanesOtherThan(Set.of(LANE));

    assertThat(gauge("wan.dispatch.waiting", LANE)).isEqualTo(4);
    assertThat(gauge("wan.dispatch.in.progress", LANE)).isEqualTo(2);
    assertThat(gauge("wan.dispatch.in.progress.max", LANE)).isEqualTo(5);
    assertThat(gauge("wan.dispatch.waiting", OTHER_LANE)).isZero();
    assertThat(gauge("wan.dispatch.in.progress", OTHER_LANE)).isZero();
    assertThat(gauge("wan.dispatch.in.progress.max", OTHER_LANE)).isZero();
  }

  private double gauge(String name, LaneKey lane) {
    return registry
        .get(name)
        .tags("account", lane.account(), "model", lane.model())
        .gauge()
        .value();
  }

  private static SubmitOutcome refused(String code, int http) {
    return new SubmitOutcome.Refused(
        new WanError(code, "refused", http == 429, WanError.Stage.SUBMIT, http, null));
  }
}
