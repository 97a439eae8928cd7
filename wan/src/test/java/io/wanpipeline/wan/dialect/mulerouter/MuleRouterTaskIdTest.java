package io.wanpipeline.wan.dialect.mulerouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MuleRouterTaskIdTest {

  @Test
  void carriesTheModelInFrontOfTheGatewayId() {
    MuleRouterTaskId id =
        new MuleRouterTaskId("wan2.2-i2v-flash", "3c90c3cc-0d44-4b50-8888-8dd25736052a");
    assertThat(id.toString()).isEqualTo("wan2.2-i2v-flash/3c90c3cc-0d44-4b50-8888-8dd25736052a");
    assertThat(MuleRouterTaskId.parse(id.toString())).contains(id);
  }

  @Test
  void refusesIdsWithoutAModelOrWithExtraSegments() {
    assertThat(MuleRouterTaskId.parse("3c90c3cc-0d44-4b50-8888-8dd25736052a")).isEmpty();
    assertThat(MuleRouterTaskId.parse("/abc")).isEmpty();
    assertThat(MuleRouterTaskId.parse("wan2.2-i2v-flash/")).isEmpty();
    assertThat(MuleRouterTaskId.parse("a/b/c")).isEmpty();
    assertThat(MuleRouterTaskId.parse(null)).isEmpty();
    assertThatThrownBy(() -> new MuleRouterTaskId("a b", "x"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
