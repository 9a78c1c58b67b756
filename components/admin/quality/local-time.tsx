// Moved to components/ui/local-time.tsx (one date format for the app); kept so existing imports keep working.
export { LocalTime } from "@/components/ui/local-time";
