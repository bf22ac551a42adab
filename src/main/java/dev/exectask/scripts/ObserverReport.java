package dev.exectask.scripts;

/**
 * What one observer exec printed: the state of the command, and the wrapper's records of its output
 * streams (null for a stream the container holds no record of).
 */
public record ObserverReport(
    CommandObservation observation, RecordedStream stdout, RecordedStream stderr) {}
