package dev.exectask.exec;

import dev.exectask.scripts.CommandObservation;

/**
 * One look at a command from outside its exec: its state, and its output as the wrapper recorded it
 * in the container (null for a stream without a record: an old wrapper, a container without mkfifo
 * or a writable state dir).
 */
public record ObservedCommand(
    CommandObservation observation, CapturedOutput stdout, CapturedOutput stderr) {

  public ObservedCommand(CommandObservation observation) {
    this(observation, null, null);
  }
}
