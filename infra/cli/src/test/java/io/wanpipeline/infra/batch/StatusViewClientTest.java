package io.wanpipeline.infra.batch;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import org.junit.jupiter.api.Test;

class StatusViewClientTest {
  @Test
  void saysWhichStatusViewItCouldNotReach() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort(); // closed again: nothing listens there
    }
    URI base = URI.create("http://127.0.0.1:" + port);

    assertThatThrownBy(() -> new StatusViewClient(base).batchCounts("nightly"))
        .isInstanceOf(IOException.class)
        .hasMessage("cannot reach the status view at " + base + " (ConnectException)");
  }
}
