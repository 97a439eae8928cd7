package io.wanpipeline.infra.chaos;

import io.wanpipeline.events.ArchiveLocation;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.Price;
import io.wanpipeline.events.TaskState;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.infra.simulator.SimulatorLedger;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * What the archivers and billing left once every service has stopped, held against the simulator's
 * ledger: one archive end per succeeded request (none for the others) whose object in S3 has the
 * bytes the simulator served, no multipart upload left in the bucket, one charge per succeeded
 * request (none for the others), and billing's totals equal to the {@link LedgerBill} to the
 * micro-unit.
 */
final class DownstreamCheck {
  private final int succeeded;
  private final int archived;
  private final Map<String, Integer> archiveFailedByCode = new TreeMap<>();
  private final List<String> withoutArchiveEnd;
  private final Map<String, List<TaskState>> severalArchiveEnds = new TreeMap<>();
  private final List<String> archiveEndsOfOthers;
  private final List<String> archiveMismatches = new ArrayList<>();
  private final int objectsInBucket;
  private final Set<String> unexpectedVideos;
  private final List<String> multipartUploadsLeft;
  private final int charges;
  private final List<String> withoutCharge;
  private final Map<String, Integer> severalCharges = new TreeMap<>();
  private final List<String> chargesOfOthers;
  private final Map<String, Integer> unpriced;
  private final List<String> ledgerMismatches = new ArrayList<>();
  private final long orphanTasks;
  private final Map<String, LedgerBill.Total> expectedTotals;
  private final Map<String, LedgerBill.Total> actualTotals;
  private final List<String> expectedUnpriced;
  private final long expectedMicros;
  private final long actualMicros;
  private final String billingLag;

  /**
   * @param status the status events read to the end
   * @param billing billing's topics read to the end
   * @param ledger the simulator's ledger
   * @param callerAccounts account_id of every request the test produced
   * @param withoutEndTime the provider accounts whose task answers carry no end time: billing dates
   *     their tasks by the SUCCEEDED event
   * @param prices the bundled price rows
   * @param s3 a client of the archive's S3 server
   * @param bucket the archive bucket
   * @param billingLag billing's consumer lag on task-status when the services stopped, for the
   *     summary
   */
  DownstreamCheck(
      StatusTally status,
      BillingTally billing,
      SimulatorLedger ledger,
      Map<String, String> callerAccounts,
      Set<String> withoutEndTime,
      List<Price> prices,
      S3Client s3,
      String bucket,
      String billingLag) {
    Set<String> ok = status.succeeded();
    this.succeeded = ok.size();
    this.billingLag = billingLag;

    Map<String, SimulatorLedger.TaskRecord> taskOf = new TreeMap<>();
    List<LedgerBill.Billed> billed = new ArrayList<>();
    for (String id : ok) {
      List<SimulatorLedger.TaskRecord> done =
          ledger.tasksOfRequest(id).stream().filter(t -> "SUCCEEDED".equals(t.state())).toList();
      if (done.size() != 1) {
        ledgerMismatches.add(id + " has " + done.size() + " succeeded tasks in the ledger");
        continue;
      }
      SimulatorLedger.TaskRecord task = done.get(0);
      taskOf.put(id, task);
      Instant completedAt =
          withoutEndTime.contains(task.account())
              ? status.succeededAt(id).orElseThrow()
              : task.ended();
      billed.add(new LedgerBill.Billed(callerAccounts.get(id), task, completedAt));
    }
    this.orphanTasks =
        ledger.tasks().stream()
            .filter(t -> "SUCCEEDED".equals(t.state()))
            .filter(t -> t.pipelineRequestId() == null || !ok.contains(t.pipelineRequestId()))
            .count();

    // Archives.
    Map<String, List<TaskStatus>> ends = status.archiveEnds();
    this.withoutArchiveEnd = ok.stream().filter(id -> !ends.containsKey(id)).toList();
    this.archiveEndsOfOthers = ends.keySet().stream().filter(id -> !ok.contains(id)).toList();
    int archivedCount = 0;
    Set<String> archivedKeys = new java.util.TreeSet<>();
    for (Map.Entry<String, List<TaskStatus>> e : ends.entrySet()) {
      List<TaskStatus> events = e.getValue();
      if (events.size() > 1) {
        severalArchiveEnds.put(e.getKey(), events.stream().map(TaskStatus::getState).toList());
      }
      for (TaskStatus end : events) {
        if (end.getState() == TaskState.ARCHIVE_FAILED) {
          String code = end.getError() == null ? "none" : end.getError().getCode();
          archiveFailedByCode.merge(code, 1, Integer::sum);
          continue;
        }
        archivedCount++;
        if (end.getArchive() != null) {
          archivedKeys.add(end.getArchive().getKey());
        }
        SimulatorLedger.TaskRecord task = taskOf.get(e.getKey());
        if (task != null) {
          checkObject(s3, bucket, e.getKey(), end.getArchive(), task);
        }
      }
    }
    this.archived = archivedCount;
    List<String> keys = keys(s3, bucket);
    this.objectsInBucket = keys.size();
    // Videos are the .mp4 keys (the archiver may keep other objects beside them, such as a
    // checksum); each must be one an ARCHIVED event names.
    this.unexpectedVideos = new java.util.TreeSet<>();
    keys.stream()
        .filter(k -> k.endsWith(".mp4"))
        .filter(k -> !archivedKeys.contains(k))
        .forEach(unexpectedVideos::add);
    this.multipartUploadsLeft =
        s3.listMultipartUploadsPaginator(b -> b.bucket(bucket)).uploads().stream()
            .map(MultipartUpload::key)
            .toList();

    // Charges and totals.
    Map<String, List<Charge>> chargesByRequest = billing.charges();
    this.charges = chargesByRequest.values().stream().mapToInt(List::size).sum();
    this.withoutCharge = ok.stream().filter(id -> !chargesByRequest.containsKey(id)).toList();
    this.chargesOfOthers =
        chargesByRequest.keySet().stream().filter(id -> !ok.contains(id)).toList();
    chargesByRequest.forEach(
        (id, list) -> {
          if (list.size() > 1) {
            severalCharges.put(id, list.size());
          }
        });
    this.unpriced = billing.unpriced();
    LedgerBill bill = new LedgerBill(prices, billed);
    this.expectedTotals = bill.totals();
    this.expectedUnpriced = bill.unpriced();
    this.actualTotals = LedgerBill.of(billing.totals());
    this.expectedMicros =
        expectedTotals.values().stream().mapToLong(LedgerBill.Total::amountMicros).sum();
    this.actualMicros =
        actualTotals.values().stream().mapToLong(LedgerBill.Total::amountMicros).sum();
  }

  private void checkObject(
      S3Client s3,
      String bucket,
      String requestId,
      ArchiveLocation location,
      SimulatorLedger.TaskRecord task) {
    if (location == null) {
      archiveMismatches.add(requestId + ": ARCHIVED without a location");
      return;
    }
    if (!bucket.equals(location.getBucket())) {
      archiveMismatches.add(requestId + ": bucket " + location.getBucket());
    }
    if (location.getSizeBytes() != task.videoBytes()
        || !Objects.equals(location.getSha256(), task.videoSha256())) {
      archiveMismatches.add(
          requestId
              + ": event says "
              + location.getSizeBytes()
              + " bytes sha256 "
              + location.getSha256()
              + ", simulator served "
              + task.videoBytes()
              + " bytes sha256 "
              + task.videoSha256());
    }
    try (ResponseInputStream<GetObjectResponse> in =
        s3.getObject(b -> b.bucket(bucket).key(location.getKey()))) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      long size = 0;
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = ((InputStream) in).read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
        size += n;
      }
      String sha = HexFormat.of().formatHex(digest.digest());
      if (size != task.videoBytes() || !sha.equals(task.videoSha256())) {
        archiveMismatches.add(
            requestId
                + ": object "
                + location.getKey()
                + " holds "
                + size
                + " bytes sha256 "
                + sha
                + ", simulator served "
                + task.videoBytes()
                + " bytes sha256 "
                + task.videoSha256());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + location.getKey(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    } catch (RuntimeException e) {
      archiveMismatches.add(requestId + ": object " + location.getKey() + " unreadable: " + e);
    }
  }

  private static List<String> keys(S3Client s3, String bucket) {
    return s3.listObjectsV2Paginator(b -> b.bucket(bucket)).contents().stream()
        .map(S3Object::key)
        .toList();
  }

  private int archiveFailed() {
    return archiveFailedByCode.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** Rows for the run's summary table. */
  void rows(java.util.function.BiConsumer<String, Object> row) {
    row.accept("succeeded requests", succeeded + " (orphan succeeded tasks: " + orphanTasks + ")");
    row.accept("archived / failed", archived + " / " + archiveFailed() + " " + archiveFailedByCode);
    row.accept("without archive end", withoutArchiveEnd.size());
    row.accept("several archive ends", severalArchiveEnds.size());
    row.accept("archive ends of others", archiveEndsOfOthers.size());
    row.accept("archive mismatches", archiveMismatches.size());
    row.accept(
        "objects in bucket",
        objectsInBucket + " (videos no ARCHIVED names: " + unexpectedVideos.size() + ")");
    row.accept("multipart uploads left", multipartUploadsLeft.size());
    row.accept("charges", charges + " (unpriced: " + unpriced.size() + ")");
    row.accept("without / several charges", withoutCharge.size() + " / " + severalCharges.size());
    row.accept("charges of others", chargesOfOthers.size());
    row.accept(
        "billed micros",
        "billing "
            + actualMicros
            + ", ledger x prices "
            + expectedMicros
            + " ("
            + currencies()
            + ")");
    row.accept(
        "total keys", "billing " + actualTotals.size() + ", expected " + expectedTotals.size());
    row.accept("billing lag at stop", billingLag);
  }

  private String currencies() {
    return expectedTotals.keySet().stream()
        .map(k -> k.substring(k.lastIndexOf('|') + 1))
        .distinct()
        .sorted()
        .collect(Collectors.joining(","));
  }

  /** The proof for archives and money. */
  void assertInto(SoftAssertions softly) {
    softly.assertThat(succeeded).as("succeeded requests").isPositive();
    softly
        .assertThat(ledgerMismatches)
        .as("succeeded requests without exactly one succeeded task in the ledger")
        .isEmpty();
    softly
        .assertThat(withoutArchiveEnd)
        .as("succeeded requests with no ARCHIVED or ARCHIVE_FAILED")
        .isEmpty();
    softly
        .assertThat(severalArchiveEnds)
        .as("requests with more than one ARCHIVED or ARCHIVE_FAILED")
        .isEmpty();
    softly
        .assertThat(archiveEndsOfOthers)
        .as("ARCHIVED or ARCHIVE_FAILED of requests that did not succeed")
        .isEmpty();
    softly
        .assertThat(archiveFailedByCode)
        .as("ARCHIVE_FAILED by code (no link faults in this run)")
        .isEmpty();
    softly
        .assertThat(archiveMismatches)
        .as("archives whose event or object differs from what the simulator served")
        .isEmpty();
    softly
        .assertThat(unexpectedVideos)
        .as(
            "videos in the bucket that no ARCHIVED event names (two archivers racing must leave one)")
        .isEmpty();
    softly
        .assertThat(multipartUploadsLeft)
        .as("incomplete multipart uploads left in the bucket")
        .isEmpty();
    softly.assertThat(withoutCharge).as("succeeded requests without a charge").isEmpty();
    softly.assertThat(severalCharges).as("requests charged more than once").isEmpty();
    softly.assertThat(chargesOfOthers).as("charges of requests that did not succeed").isEmpty();
    softly.assertThat(unpriced).as("requests billing flagged unpriced").isEmpty();
    softly
        .assertThat(expectedUnpriced)
        .as("succeeded tasks the bundled price file does not price")
        .isEmpty();
    softly
        .assertThat(actualTotals)
        .as("billing-totals (last value per account|day|currency, per model) against the ledger")
        .isEqualTo(expectedTotals);
  }
}
