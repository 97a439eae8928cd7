package io.wanpipeline.infra.simulator;

import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.catalogue.Endpoint;
import io.wanpipeline.wan.catalogue.ParameterStyle;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/** What the simulator needs to know about the models it serves. */
interface ModelRules {

  /** The create endpoint of {@code model}; empty when the model does not exist. */
  Optional<Endpoint> endpointOf(String model);

  /** How the model is told its output resolution (which of size and resolution it reads). */
  ParameterStyle parameterStyleOf(String model);

  /** Provider-like messages, each naming the offending field; empty when the request is valid. */
  List<String> violations(GenerationRequest request);

  /** The resolution tier the task will be produced (and billed) at. */
  String tierOf(GenerationRequest request);

  /** Output seconds: the requested duration or the model's default. */
  BigDecimal secondsOf(GenerationRequest request);

  /** Tasks in progress per account (wan-protocol.md 1.9), when known. */
  Optional<Integer> concurrencyOf(String model);

  /** Task submissions per second per account (wan-protocol.md 1.9), when known. */
  Optional<Integer> submitRpsOf(String model);
}
