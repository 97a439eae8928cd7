package io.wanpipeline.poller;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ListPolicyTest {
  @Test
  void listsOnlyWhenTheDuePollsCannotFitWithinTenSeconds() {
    ListPolicy p = ListPolicy.enabled(100);
    assertThat(p.listPays(200, 20, 0)).as("200 polls fit in 10 s at 20/s").isFalse();
    assertThat(p.listPays(201, 20, 0)).isTrue();
    assertThat(p.listPays(100, 20, 6000)).as("only 4 s left: 80 polls").isTrue();
    assertThat(p.listPays(1000, 20, 0)).isTrue();
    assertThat(p.listPays(5, 0, 0)).as("paused account").isTrue();
    assertThat(p.listPays(1, 0, 20_000)).as("a single task is queried").isFalse();
    assertThat(ListPolicy.disabled().listPays(1000, 20, 0)).isFalse();
  }
}
