package io.wanpipeline.infra.simulator;

import java.util.concurrent.CountDownLatch;

/**
 * Runs the Wan simulator standalone: {@code SimulatorMain [port] [host]} (defaults 8089 and
 * 127.0.0.1). Any non-empty key is accepted; stop with Ctrl-C.
 */
public final class SimulatorMain {

  private SimulatorMain() {}

  /** Starts the simulator and blocks until the JVM is asked to stop. */
  public static void main(String[] args) throws InterruptedException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8089;
    String host = args.length > 1 ? args[1] : "127.0.0.1";
    WanSimulator sim = WanSimulator.start(SimulatorConfig.builder().host(host).port(port).build());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  sim.close();
                  stopped.countDown();
                },
                "wan-sim-shutdown"));
    System.out.println(
        "Wan simulator at " + sim.baseUrl() + " (SDK base " + sim.baseUrl() + "/api/v1)");
    stopped.await();
  }
}
