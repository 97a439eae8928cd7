package io.wanpipeline.wan.dashscope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DashScopeClientBuilderTest {

  @Test
  void noPrefixByDefaultAndAGatewaysPrefixIsKept() {
    assertThat(DashScopeClient.builder().baseUrl("https://dashscope.aliyuncs.com/").build())
        .satisfies(
            c -> {
              assertThat(c.pathPrefix()).isEmpty();
              assertThat(c.baseUrl().toString()).isEqualTo("https://dashscope.aliyuncs.com");
            });
    assertThat(
            DashScopeClient.builder()
                .baseUrl("https://crazyrouter.com")
                .pathPrefix("/alibailian")
                .build()
                .pathPrefix())
        .isEqualTo("/alibailian");
  }

  @Test
  void prefixMustStartWithASlashAndNotEndWithOne() {
    assertThatThrownBy(() -> DashScopeClient.builder().pathPrefix("alibailian"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DashScopeClient.builder().pathPrefix("/wan/"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
