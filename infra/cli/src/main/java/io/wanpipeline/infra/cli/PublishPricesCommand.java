package io.wanpipeline.infra.cli;

import io.wanpipeline.billing.BillingConfig;
import io.wanpipeline.billing.price.PriceFile;
import io.wanpipeline.billing.price.PriceKey;
import io.wanpipeline.billing.price.PriceSeeder;
import io.wanpipeline.events.Price;
import io.wanpipeline.runtime.config.KafkaSettings;
import io.wanpipeline.runtime.config.Settings;
import io.wanpipeline.schemas.topics.Topics;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code wan-pipeline publish-prices --file prices.csv --config billing.properties}: publishes
 * operators' price updates (the price file format) to the wan-prices topic, where billing applies
 * each to tasks completed at or after its {@code effective_from}.
 */
@Command(
    name = "publish-prices",
    description =
        "Publish price updates (CSV in the price file format) to the wan-prices topic. Each applies"
            + " to tasks completed at or after its effective_from; one in the past is refused unless"
            + " --allow-backdated, because it would re-price tasks already completed but not yet"
            + " billed.")
public final class PublishPricesCommand implements Callable<Integer> {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Option(names = "--file", required = true, description = "Price file (CSV v1) to publish.")
  Path file;

  @Option(
      names = "--config",
      required = true,
      description =
          "Properties file with kafka.bootstrap.servers, schema-registry.url and topics.prefix (the"
              + " billing service's settings); WAN_PIPELINE_* environment variables override it.")
  Path config;

  @Option(
      names = "--allow-backdated",
      description = "Publish prices whose effective_from is already past.")
  boolean allowBackdated;

  @Option(names = "--dry-run", description = "Check and print the prices, publish nothing.")
  boolean dryRun;

  private final PrintStream out;
  private final PrintStream err;
  private final Clock clock;

  /** A command printing to the standard streams and judging backdating by the system clock. */
  public PublishPricesCommand() {
    this(System.out, System.err, Clock.systemUTC());
  }

  /** A command printing to {@code out} and {@code err} and judging backdating by {@code clock}. */
  public PublishPricesCommand(PrintStream out, PrintStream err, Clock clock) {
    this.out = out;
    this.err = err;
    this.clock = clock;
  }

  @Override
  public Integer call() {
    List<Price> prices;
    KafkaSettings kafka;
    try {
      prices = PriceFile.read(file);
      kafka = BillingConfig.from(Settings.load(config, System.getenv())).kafka();
    } catch (RuntimeException e) {
      err.println("publish-prices: " + e.getMessage());
      return 2;
    }
    if (prices.isEmpty()) {
      err.println("publish-prices: " + file + " holds no price");
      return 2;
    }
    Instant now = clock.instant();
    List<Price> backdated =
        prices.stream().filter(p -> p.getEffectiveFrom().isBefore(now)).toList();
    if (!backdated.isEmpty() && !allowBackdated) {
      err.println(
          "publish-prices: "
              + backdated.size()
              + " price(s) take effect before now ("
              + now
              + "), which would re-price tasks already completed; use --allow-backdated if meant:");
      backdated.forEach(p -> err.println("  " + describe(p)));
      return 2;
    }
    prices.forEach(p -> out.println((dryRun ? "would publish " : "publishing ") + describe(p)));
    if (dryRun) {
      return 0;
    }
    Topics topics = new Topics(kafka.topicNames(), kafka.registry().client());
    try {
      int written =
          new PriceSeeder(kafka.clientConfig(), clock, TIMEOUT).publish(topics.wanPrices(), prices);
      out.println("published " + written + " price(s) to " + topics.wanPrices().name());
      return 0;
    } catch (RuntimeException e) {
      err.println("publish-prices: " + e.getMessage());
      return 1;
    }
  }

  private static String describe(Price p) {
    return PriceKey.of(p).topicKey()
        + " = "
        + Money.of(p.getMicrosPerSecond(), p.getCurrency())
        + "/s from "
        + p.getEffectiveFrom();
  }
}
