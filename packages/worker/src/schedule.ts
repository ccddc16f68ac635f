import { z } from "zod";

/** A source's schedule: a cron expression (5 fields, minute granularity) or an interval in minutes. */
export const scheduleInputSchema = z
  .object({
    sourceId: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, "sourceId: letters, digits and _.:- only, 1 to 128"),
    /** @default "incremental" */
    mode: z.enum(["full", "incremental"], { error: 'mode must be "full" or "incremental"' }).default("incremental"),
    /** e.g. `0 2 * * *` for 02:00 every night. */
    cron: z.string().trim().min(9, "cron must be a 5-field cron expression such as */15 * * * *").optional(),
    /** e.g. 15 for every 15 minutes. */
    everyMinutes: z
      .number()
      .int("everyMinutes must be an integer")
      .min(1, "everyMinutes must be at least 1")
      .max(10_080, "everyMinutes must be at most 10080 (a week)")
      .optional(),
    /** IANA time zone the cron expression is read in. @default "UTC" */
    timeZone: z.string().min(1).default("UTC"),
  })
  .refine((input) => (input.cron === undefined) !== (input.everyMinutes === undefined), {
    message: "give exactly one of cron or everyMinutes",
    path: ["cron"],
  });

export type ScheduleInput = z.input<typeof scheduleInputSchema>;

/**
 * The recurrence for "every n minutes": a cron expression when n divides an hour or a day evenly, otherwise an
 * iCalendar rule (pg-boss accepts both).
 */
export function intervalToCron(minutes: number): string {
  if (minutes < 60 && 60 % minutes === 0) return minutes === 1 ? "* * * * *" : `*/${minutes} * * * *`;
  if (minutes % 60 === 0 && minutes <= 1440 && 24 % (minutes / 60) === 0) {
    const hours = minutes / 60;
    return hours === 24 ? "0 0 * * *" : hours === 1 ? "0 * * * *" : `0 */${hours} * * *`;
  }
  return `FREQ=MINUTELY;INTERVAL=${minutes}`;
}
