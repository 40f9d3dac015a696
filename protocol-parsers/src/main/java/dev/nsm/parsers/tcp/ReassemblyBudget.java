package dev.nsm.parsers.tcp;

/**
 * The memory of one worker's TCP reassembly: a pool of fixed-size pages (gopacket's page cache)
 * shared by all the worker's reassemblers, and a cap on how many are in use at once. Out-of-order
 * data is copied into pages taken here and given back once delivered; the pool keeps given-back
 * pages for reuse, so after warm-up nothing is allocated, and at most {@code maxBytes / pageSize}
 * pages ever exist. Single-threaded: one per worker.
 */
public final class ReassemblyBudget {
  public static final long DEFAULT_MAX_BYTES = 64L << 20;
  public static final int DEFAULT_PAGE_SIZE = 4096;

  private final int pageSize;
  private final int pageShift;
  private final int maxPages;

  private byte[][] free = new byte[16][];
  private int freeCount;
  private int inUse;
  private int peakInUse;
  private long pagesCreated;

  public ReassemblyBudget() {
    this(DEFAULT_MAX_BYTES, DEFAULT_PAGE_SIZE);
  }

  /**
   * @param maxBytes most bytes of pages in use at once (rounded down to whole pages)
   * @param pageSize a power of two, 16 to 1 MiB
   */
  public ReassemblyBudget(long maxBytes, int pageSize) {
    if (pageSize < 16 || pageSize > (1 << 20) || Integer.bitCount(pageSize) != 1) {
      throw new IllegalArgumentException("reassembly page size must be a power of two in [16, 1 MiB]: " + pageSize);
    }
    if (maxBytes < pageSize || maxBytes / pageSize > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("reassembly budget out of range: " + maxBytes);
    }
    this.pageSize = pageSize;
    this.pageShift = Integer.numberOfTrailingZeros(pageSize);
    this.maxPages = (int) (maxBytes / pageSize);
  }

  public int pageSize() {
    return pageSize;
  }

  int pageShift() {
    return pageShift;
  }

  public int maxPages() {
    return maxPages;
  }

  /** Pages that can still be taken. */
  public int availablePages() {
    return maxPages - inUse;
  }

  public int pagesInUse() {
    return inUse;
  }

  public long bytesInUse() {
    return (long) inUse * pageSize;
  }

  /** The most pages in use at once so far. */
  public int peakPagesInUse() {
    return peakInUse;
  }

  /** Pages ever allocated (the pool's size: it never shrinks, never passes {@link #maxPages()}). */
  public long pagesCreated() {
    return pagesCreated;
  }

  /** A page (contents undefined), or null when the budget is spent; callers check first. */
  byte[] take() {
    if (inUse >= maxPages) {
      return null;
    }
    inUse++;
    if (inUse > peakInUse) {
      peakInUse = inUse;
    }
    if (freeCount > 0) {
      byte[] p = free[--freeCount];
      free[freeCount] = null;
      return p;
    }
    pagesCreated++;
    return new byte[pageSize];
  }

  void give(byte[] page) {
    inUse--;
    if (freeCount == free.length) {
      byte[][] f = new byte[Math.min(Math.max(16, free.length * 2), maxPages)][];
      System.arraycopy(free, 0, f, 0, freeCount);
      free = f;
    }
    free[freeCount++] = page;
  }
}
