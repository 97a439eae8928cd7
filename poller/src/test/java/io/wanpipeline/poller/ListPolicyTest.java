package io.wanpipeline.poller;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ListPolicyTest {
  @Test
  void listsOnlyWhenOnePollOfEveryTrackedTaskCannotFitWithinFiveSeconds() {
    ListPolicy p = ListPolicy.enabled(100);
    assertThat(p.listPays(90, 18)).as("90 polls fit in 5 s at 18/s").isFalse();
    assertThat(p.listPays(91, 18)).isTrue();
    assertThat(p.listPays(1000, 20)).isTrue();
    assertThat(p.listPays(50, 5)).as("a slowed-down account").isTrue();
    assertThat(p.listPays(5, 0)).as("paused account").isTrue();
    assertThat(p.listPays(1, 0)).as("a single task is queried").isFalse();
    assertThat(
            new ListPolicy(true, 100, Duration.ofSeconds(10), ListPolicy.DEFAULT_MAX_SPAN)
                .listPays(180, 18))
        .isFalse();
    assertThat(ListPolicy.disabled().listPays(1000, 20)).isFalse();
  }
}
