package io.wanpipeline.infra.simulator;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/** What the simulator needs to know about the models it serves. */
interface ModelRules {

  /** The native create path of {@code model}; empty when the provider has no such model. */
  Optional<String> createPathOf(String model);

  /** Provider-like messages, each naming the offending field; empty when the call is valid. */
  List<String> violations(CreateBody body);

  /**
   * The tier the task will be produced (and billed) at: a resolution tier ({@code 720P}), or the
   * mode in upper case ({@code WAN-STD}) for the models priced by mode.
   */
  String tierOf(CreateBody body);

  /** The {@code W*H} size of the output, for a legacy usage block. */
  String sizeOf(CreateBody body);

  /** Output seconds: the requested duration or the model's default; 0 when an input decides. */
  BigDecimal secondsOf(CreateBody body);

  /**
   * The only {@code usage} fields a SUCCEEDED answer about {@code model} carries whatever the usage
   * style ({@code video_duration}, {@code video_count}); empty when the style decides.
   */
  List<String> usageFieldsOf(String model);

  /** Whether the task is made with audio (the models whose price depends on it). */
  boolean audioOf(CreateBody body);

  /** Tasks in progress per account (docs/protocol.md 1.9), when known. */
  Optional<Integer> concurrencyOf(String model);

  /** Task submissions per second per account (docs/protocol.md 1.9), when known. */
  Optional<Integer> submitRpsOf(String model);
}
