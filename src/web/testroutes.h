/* testroutes.h - handlers of the test build's extra routes (see testroutes.c). */
#ifndef TSUNAGU_WEB_TESTROUTES_H
#define TSUNAGU_WEB_TESTROUTES_H
#ifdef TSUNAGU_TEST_ROUTES
#include "http/request.h"
int web_test_echo(http_request *req);
int web_test_form(http_request *req);
int web_test_slow(http_request *req);
int web_test_mail(http_request *req);
#endif
#endif
