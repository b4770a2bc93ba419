export {
  AppError,
  describeValue,
  type ErrorCode,
  failedPrecondition,
  invalidArgument,
  isAppError,
  notFound,
} from './app-error.js';
