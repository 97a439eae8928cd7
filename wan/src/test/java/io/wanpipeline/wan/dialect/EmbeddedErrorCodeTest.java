package io.wanpipeline.wan.dialect;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EmbeddedErrorCodeTest {

  @Test
  void findsABracketedDashScopeCodeAnywhereInTheText() {
    assertThat(EmbeddedErrorCode.find("[InvalidParameter] Field required: input.media"))
        .contains("InvalidParameter");
    assertThat(EmbeddedErrorCode.find("Video generation failed: [InternalError.Algo] try again"))
        .contains("InternalError.Algo");
  }

  @Test
  void ignoresTextWithoutACodeAndLowerCaseBrackets() {
    assertThat(EmbeddedErrorCode.find("Video generation failed: Invalid image dimensions"))
        .isEmpty();
    assertThat(EmbeddedErrorCode.find("see [docs] for details")).isEmpty();
    assertThat(EmbeddedErrorCode.find(null)).isEmpty();
  }
}
