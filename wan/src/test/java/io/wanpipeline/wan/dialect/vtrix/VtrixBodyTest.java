package io.wanpipeline.wan.dialect.vtrix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.GenerationRequest.Input;
import io.wanpipeline.wan.GenerationRequest.Parameters;
import io.wanpipeline.wan.dialect.DialectFixtures;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VtrixBodyTest {

  private static final GenerationRequest FLASH =
      new GenerationRequest(
          "wan2.2-i2v-flash",
          new Input(
              "a cat turns its head",
              null,
              "https://example.com/cat.png",
              null,
              null,
              null,
              null,
              null,
              null,
              null),
          new Parameters("480P", null, null, 5, true, false, null, 42L, null, Map.of()));

  @Test
  void objectEnvelopeIsTheModelPagesFormUnderVtrixsModelId() {
    assertThat(
            DialectFixtures.wire(
                VtrixBody.of(
                    FLASH, "wan22_i2v_flash", VtrixEnvelope.OBJECT, DialectFixtures.MAPPER)))
        .isEqualTo(DialectFixtures.json("vtrix", "create-request-object.json"));
  }

  @Test
  void paramsArrayEnvelopeNestsTheWanObjectInsideParams() {
    assertThat(
            DialectFixtures.wire(
                VtrixBody.of(
                    FLASH, "wan22_i2v_flash", VtrixEnvelope.PARAMS_ARRAY, DialectFixtures.MAPPER)))
        .isEqualTo(DialectFixtures.json("vtrix", "create-request-params-array.json"));
  }

  @Test
  void envelopeWordsAreParsedAndUnknownOnesNameTheOption() {
    assertThat(VtrixEnvelope.parse(" Params_Array ")).isEqualTo(VtrixEnvelope.PARAMS_ARRAY);
    assertThat(VtrixEnvelope.parse("object")).isEqualTo(VtrixEnvelope.OBJECT);
    assertThatThrownBy(() -> VtrixEnvelope.parse("flat"))
        .hasMessageContaining("'envelope'")
        .hasMessageContaining("flat");
  }
}
