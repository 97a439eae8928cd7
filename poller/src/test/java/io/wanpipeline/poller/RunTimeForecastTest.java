package io.wanpipeline.poller;

import static io.wanpipeline.poller.Tasks.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.TaskSnapshot;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RunTimeForecastTest {
  private final RunTimeForecast forecast = RunTimeForecast.learning();

  private static TaskStatus of(String model, String resolution, Integer duration) {
    TaskStatus s = Tasks.submitted("r1", "t1");
    s.setModel(model);
    s.setRequestedResolution(resolution);
    s.setRequestedDuration(duration);
    return s;
  }

  private static TaskSnapshot snapshot(ProviderStatus status, Instant started, Instant ended) {
    return new TaskSnapshot("t1", status, T0, started, ended, null, null, null, null, null);
  }

  private void succeeded(TaskStatus status, long runSeconds) {
    forecast.learn(status, snapshot(ProviderStatus.SUCCEEDED, T0, T0.plusSeconds(runSeconds)));
  }

  @Test
  void aClassIsForecastFromItsFifthSuccessBetweenItsTenthAndNinetiethPercentiles() {
    TaskStatus t2v = of("wan2.6-t2v", "720P", 5);
    Instant started = T0.plusSeconds(100);
    TaskSnapshot running = snapshot(ProviderStatus.RUNNING, started, null);
    for (long run : new long[] {52, 60, 58}) {
      succeeded(t2v, run);
    }
    succeeded(t2v, 61);
    assertThat(forecast.window(t2v, running)).as("four samples").isEmpty();
    succeeded(t2v, 66);
    assertThat(forecast.window(t2v, running))
        .contains(new RunTimeForecast.Window(started.plusSeconds(52), started.plusSeconds(66)));
  }

  @Test
  void classesAreModelResolutionAndDurationAndOnlyRunningTasksWithAStartAreForecast() {
    TaskStatus fiveSeconds = of("wan2.6-t2v", "720P", 5);
    for (int i = 0; i < 5; i++) {
      succeeded(fiveSeconds, 40);
    }
    Instant started = T0.plusSeconds(10);
    TaskStatus tenSeconds = of("wan2.6-t2v", "720P", 10);
    for (int i = 0; i < 4; i++) {
      succeeded(tenSeconds, 80);
    }
    // Ten-second videos: 4 samples of their own, so the model's nine (40 s x 5, 80 s x 4) decide.
    assertThat(forecast.window(tenSeconds, running(started)))
        .contains(new RunTimeForecast.Window(started.plusSeconds(40), started.plusSeconds(80)));
    assertThat(forecast.window(of("wan2.6-t2v", "1080P", 5), running(started)))
        .as("a class never seen, of a known model")
        .contains(new RunTimeForecast.Window(started.plusSeconds(40), started.plusSeconds(80)));
    succeeded(tenSeconds, 80);
    assertThat(forecast.window(tenSeconds, running(started)))
        .as("its own class from its fifth success")
        .contains(new RunTimeForecast.Window(started.plusSeconds(80), started.plusSeconds(80)));
    assertThat(forecast.window(of("wan2.7-t2v", "720P", 5), running(started))).isEmpty();
    assertThat(forecast.window(fiveSeconds, running(started)))
        .contains(new RunTimeForecast.Window(started.plusSeconds(40), started.plusSeconds(40)));
    assertThat(forecast.window(fiveSeconds, snapshot(ProviderStatus.PENDING, null, null)))
        .isEmpty();
    assertThat(forecast.window(fiveSeconds, snapshot(ProviderStatus.RUNNING, null, null)))
        .as("a dialect that does not say when the task started")
        .isEmpty();
    assertThat(forecast.classes()).isEqualTo(2);
  }

  @Test
  void onlySuccessesWithBothTimesTeachAndTheNewestFiftyCount() {
    TaskStatus t = of("wan2.2-i2v-flash", "480P", null);
    for (int i = 0; i < 10; i++) {
      forecast.learn(t, snapshot(ProviderStatus.SUCCEEDED, null, T0.plusSeconds(30)));
      forecast.learn(t, snapshot(ProviderStatus.RUNNING, T0, null));
    }
    assertThat(forecast.classes()).isZero();
    for (int i = 0; i < 50; i++) {
      succeeded(t, 100);
    }
    for (int i = 0; i < 50; i++) {
      succeeded(t, 30);
    }
    assertThat(forecast.window(t, running(T0)))
        .contains(new RunTimeForecast.Window(T0.plusSeconds(30), T0.plusSeconds(30)));
  }

  @Test
  void noForecastLearnsNothing() {
    RunTimeForecast none = RunTimeForecast.none();
    TaskStatus t = of("wan2.6-t2v", "720P", 5);
    for (int i = 0; i < 10; i++) {
      none.learn(t, snapshot(ProviderStatus.SUCCEEDED, T0, T0.plusSeconds(40)));
    }
    assertThat(none.window(t, running(T0))).isEmpty();
  }

  private static TaskSnapshot running(Instant started) {
    return snapshot(ProviderStatus.RUNNING, started, null);
  }
}
