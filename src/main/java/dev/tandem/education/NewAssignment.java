package dev.tandem.education;

import java.time.LocalDate;

/** A validated assignment request: the module, an optional note to the patient, an optional due date. */
public record NewAssignment(String moduleId, String note, LocalDate dueDate) {
}
