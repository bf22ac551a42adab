package dev.exectask.scripts;

/**
 * One output stream as the wrapper recorded it in the container: how many bytes the command wrote
 * to it in all, and the last of them (at most 4 KiB, raw; a character may be cut at its start).
 */
public record RecordedStream(long totalBytes, byte[] tail) {}
